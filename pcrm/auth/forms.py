from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from pcrm.auth.models import Department
from pcrm.auth.service import MIN_PASSWORD_LENGTH
from pcrm.i18n import localized


class LoginForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("로그인 상태 유지"))


def department_choices(departments: list[Department]) -> list[SelectChoice]:
    """Options of a department select (the value is the id)."""
    return [SelectChoice(d.id, localized(d)) for d in departments]


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app."""

    code = StringField(
        _l("인증 앱의 6자리 코드"),
        validators=[DataRequired(), Length(min=6, max=12)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12},
    )


class SetPasswordForm(FlaskForm):
    """A new staff member chooses their own password (from the invitation's link)."""

    password = PasswordField(
        _l("새 비밀번호"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("새 비밀번호 확인"),
        validators=[DataRequired(), EqualTo("password", message=_l("두 비밀번호가 다릅니다."))],
        render_kw={"autocomplete": "new-password"},
    )
