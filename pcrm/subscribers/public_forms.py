"""Residents' forms: sign-up, preferences, asking for a preferences link."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from pcrm.forms import ChooseAtLeastOne, IntegerField
from pcrm.subscribers import choices
from pcrm.subscribers.addresses import EmailAddress
from pcrm.subscribers.age import may_be_under_14
from pcrm.subscribers.forms import MultiCheckboxField


class SignUpForm(FlaskForm):
    class Meta:
        mark_required = True  # most fields are optional: mark the ones that are not

    kind = RadioField(_l("가입 구분"), choices=choices.options(choices.KINDS), default="individual")
    # autocomplete tokens let phones fill these in (WCAG 1.3.5, input purpose)
    name = StringField(
        _l("이름 (사업자는 상호)"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("이메일"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("휴대전화"),
        validators=[Optional(), Length(max=30)],
        description=_l("예: 010-1234-5678"),
        render_kw={"autocomplete": "tel"},
    )
    birth_year = IntegerField(
        _l("출생연도 (4자리)"),
        validators=[Optional(), NumberRange(min=1900, max=date.today().year)],
        description=_l("예: 1985. 만 14세 미만은 보호자 동의가 필요합니다."),
        render_kw={"autocomplete": "bday-year", "inputmode": "numeric"},
    )
    gender = RadioField(
        _l("성별"), choices=choices.options([("", _l("선택 안 함")), *choices.GENDERS]), default="",
        validators=[Optional()],
    )  # fmt: skip
    dong_id = SelectField(_l("사는 동"), coerce=lambda v: int(v) if v else None, choices=[])
    business_type_code = SelectField(_l("업종 (사업자만)"), choices=[])
    fields = MultiCheckboxField(
        _l("받고 싶은 소식 (관심분야)"), choices=[], validators=[ChooseAtLeastOne()]
    )
    channels = MultiCheckboxField(
        _l("받는 방법"), choices=choices.options(choices.CHANNELS), validators=[ChooseAtLeastOne()]
    )
    night_sms = BooleanField(_l("밤 9시~아침 8시에도 문자를 받겠습니다 (선택)"))
    guardian_name = StringField(_l("보호자 이름"), validators=[Optional(), Length(max=100)])
    guardian_contact = StringField(
        _l("보호자 연락처 (휴대전화 또는 이메일)"), validators=[Optional(), Length(max=254)]
    )
    guardian_agreed = BooleanField(_l("보호자로서 위 개인정보 수집·이용에 동의합니다"))
    agree = BooleanField(
        _l("위 개인정보 수집·이용 안내를 읽었으며 동의합니다 (필수)"),
        validators=[InputRequired(_l("동의해야 가입할 수 있습니다."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices.fill_profile_choices(self)

    def validate_fields(self, field):
        if not field.data:
            raise ValidationError(_l("받고 싶은 소식을 하나 이상 고르세요."))

    def validate_channels(self, field):
        if not field.data:
            raise ValidationError(_l("받는 방법을 하나 이상 고르세요."))
        if "email" in field.data and not self.email.data:
            raise ValidationError(_l("이메일로 받으려면 이메일 주소를 입력하세요."))
        if "sms" in field.data and not self.phone.data:
            raise ValidationError(_l("문자로 받으려면 휴대전화 번호를 입력하세요."))

    def validate_guardian_agreed(self, field):
        if not may_be_under_14(self.birth_year.data):
            return
        if not (field.data and self.guardian_name.data and self.guardian_contact.data):
            raise ValidationError(
                _l("만 14세 미만은 보호자 이름·연락처를 적고 보호자가 동의해야 가입할 수 있습니다.")
            )


class PreferencesForm(FlaskForm):
    fields = MultiCheckboxField(_l("받고 싶은 소식"), choices=[])  # none: receive nothing
    channels = MultiCheckboxField(_l("받는 방법"), choices=choices.options(choices.CHANNELS))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.choices = choices.options(choices.field_choices())


class ActionForm(FlaskForm):
    """A button that changes something (confirm, unsubscribe): CSRF only."""


class LinkRequestForm(FlaskForm):
    email = EmailField(
        _l("가입한 이메일"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class PhoneCodeForm(FlaskForm):
    # one-time-code lets phones offer the code from the SMS; numeric brings up the digit keypad
    code = StringField(
        _l("인증번호 6자리"),
        validators=[
            DataRequired(_l("문자로 받은 인증번호를 입력하세요.")),
            Regexp(r"^\s*[0-9]{3}[\s-]?[0-9]{3}\s*$", message=_l("인증번호는 숫자 6자리입니다.")),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 8},
    )
