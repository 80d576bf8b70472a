"""What every staff form shares: running a use case and showing its refusal on the form."""

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm

from pcrm.errors import Conflict, Invalid

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
