"""Forms for staff accounts and departments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pcrm.auth import service
from pcrm.auth.forms import department_choices
from pcrm.auth.models import Department, Role
from pcrm.auth.service import MIN_PASSWORD_LENGTH
from pcrm.subscribers.addresses import EmailAddress

NO_DEPARTMENT = 0


class StaffForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("역할"))
    department = SelectField(_l("부서"), coerce=int)
    active = BooleanField(_l("사용 중인 계정"), default=True)
    password = PasswordField(
        _l("새 비밀번호"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are read when the form is built, so they follow the visitor's language.
        self.role.choices = [SelectChoice(role.value, role.label) for role in Role]
        none = SelectChoice(NO_DEPARTMENT, str(_l("소속 부서 없음")))
        self.department.choices = [none, *department_choices(service.departments())]

    def chosen_department(self) -> Department | None:
        return service.get_department(self.department.data)

    def account(self) -> dict:
        """The fields update_user takes."""
        return {
            "name": self.name.data,
            "role": Role(self.role.data),
            "department": self.chosen_department(),
            "active": self.active.data,
            "password": self.password.data or None if self.password else None,
        }


class NewStaffForm(StaffForm):
    """A new account: no password (its owner chooses one from the invitation e-mail)."""

    email = EmailField(_l("이메일"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = None

    def account(self) -> dict:
        """The fields create_invited_user takes (a new account is always active)."""
        fields = super().account()
        del fields["active"], fields["password"]
        return fields | {"email": self.email.data}


class DepartmentForm(FlaskForm):
    name_ko = StringField(_l("부서 이름(한국어)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("부서 이름(영어)"), validators=[Optional(), Length(max=100)])

    def names(self) -> dict:
        return {"name_ko": self.name_ko.data, "name_en": self.name_en.data or ""}
