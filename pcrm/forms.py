"""What every staff form shares: running a use case and showing its refusal on the form."""

from collections.abc import Callable
from typing import ClassVar, TypeVar

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from pcrm.errors import Conflict, Invalid
from pcrm.inputs import LARGEST_INT

T = TypeVar("T")


def submit(form: FlaskForm, use_case: Callable[[], T]) -> T | None:
    """Run `use_case` when the form was posted and is valid; a refusal becomes a form error."""
    if not form.validate_on_submit():
        return None
    try:
        return use_case()
    except (Invalid, Conflict) as error:
        field = form._fields.get(error.field) if error.field else None
        (field.errors if field is not None else form.form_errors).append(error.message)
        return None


def drop_invalid(form: FlaskForm) -> None:
    """For a filter read from the query string: a value that fails (outside its choices, not a
    number) is ignored, as if the filter were left unset."""
    form.validate()
    for field in form:
        if field.errors:
            field.data = field.default


class IntegerField(wtforms.IntegerField):
    """A whole number the database can store: beyond 32 bits it is an error on the form."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not -LARGEST_INT - 1 <= self.data <= LARGEST_INT:
            raise ValidationError(_l("숫자가 너무 큽니다."))


class DateTimeLocalField(wtforms.DateTimeLocalField):
    """A date and time within years the service can convert between Seoul and UTC."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not 1900 <= self.data.year <= 2100:
            raise ValidationError(_l("1900년부터 2100년 사이의 날짜를 적어 주세요."))


class ChooseAtLeastOne:
    """Marks a group of checkboxes that needs at least one choice: pages show "(필수)" beside its
    legend. The form's own validate_<field> says what is missing. (Not WTForms' `required` flag:
    that would mark every checkbox of the group as required.)"""

    field_flags: ClassVar[dict] = {"choose_one": True}

    def __call__(self, form, field) -> None:
        pass
