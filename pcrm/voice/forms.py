"""The voice forms: the residents' 의견 보내기 and comment, and the staff's triage and answer."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, Length, Optional

from pcrm import labels
from pcrm.forms import IntegerField
from pcrm.subscribers import choices
from pcrm.subscribers.addresses import EmailAddress
from pcrm.voice.models import ANSWER_OUTCOMES as ANSWERS
from pcrm.voice.models import RECORDED_CHANNELS, STEPS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ContactFields(FlaskForm):
    email = EmailField(
        _l("답변 받을 이메일 (선택)"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        _l("답변 받을 휴대전화 (선택)"),
        validators=[Optional(), Length(max=30)],
        description=_l("예: 010-1234-5678"),
        render_kw={"autocomplete": "tel"},
    )


class VoiceForm(ContactFields):
    """의견 보내기: the message, and optionally a topic, a dong and a way to answer."""

    class Meta:
        mark_required = True

    body = TextAreaField(_l("보내실 의견·질문·불편 사항"), validators=[DataRequired()])
    field_code = SelectField(_l("분야 (선택)"), choices=[], validators=[Optional()])
    dong_id = SelectField(_l("관련 동 (선택)"), coerce=_optional_int, choices=[])
    consent = BooleanField(
        _l("답변을 보내는 데에만 연락처를 쓰는 데 동의합니다 (연락처를 적은 경우 필수)")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", _l("고르지 않음"))]
        self.field_code.choices = choices.options([*none, *choices.field_choices()])
        self.dong_id.choices = choices.options([*none, *choices.dong_choices()])

    def validate_body(self, field):
        limit = current_app.config["VOICE_MAX_CHARS"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("내용은 %(n)d자까지 보낼 수 있습니다.", n=limit))

    def validate_consent(self, field):
        if (self.email.data or self.phone.data) and not field.data:
            raise ValidationError(_l("연락처를 적었다면 답변용으로 쓰는 데 동의해 주세요."))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("덧글"), validators=[DataRequired(), Length(max=2000)])


class StaffCommentForm(CommentForm):
    staff_only = BooleanField(_l("직원만 보는 메모 (주민에게 보이지 않음)"), default=True)


class ActionForm(FlaskForm):
    """A button: CSRF only."""


class AssignForm(FlaskForm):
    # The use case checks the department and that the officer is one of its own.
    department_id = SelectField(_l("부서"), coerce=_optional_int, choices=[], validate_choice=False)
    officer_id = SelectField(
        _l("소통담당 (선택)"), coerce=_optional_int, choices=[], validate_choice=False
    )


class DirectAnswerForm(FlaskForm):
    answer = TextAreaField(_l("답변"), validators=[DataRequired(), Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="direct", **kwargs)  # beside the officer's answer form


class MergeForm(FlaskForm):
    into_id = IntegerField(_l("같은 내용의 의견 번호 (끝자리 숫자)"), validators=[DataRequired()])


class AnswerForm(FlaskForm):
    outcome = SelectField(_l("처리 결과"), choices=[])
    answer = TextAreaField(_l("주민에게 보낼 답변"), validators=[DataRequired(), Length(max=4000)])
    reason = TextAreaField(_l("불가한 이유 (불가일 때)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, labels.label(o)) for o in ANSWERS]


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("고칠 점"), validators=[DataRequired(), Length(max=2000)])


class RecordForm(ContactFields):
    """An item staff take in from another channel (phone, visit, SNS)."""

    channel = SelectField(_l("들어온 경로"), choices=[])
    source_url = URLField(
        _l("게시물 주소 (SNS·카페)"), validators=[Optional(), URL(), Length(max=500)]
    )
    body = TextAreaField(_l("내용"), validators=[DataRequired()])
    field_code = SelectField(_l("분야 (선택)"), choices=[], validators=[Optional()])
    dong_id = SelectField(_l("관련 동 (선택)"), coerce=_optional_int, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        none = [("", _l("고르지 않음"))]
        self.channel.choices = [(c.value, labels.label(c)) for c in RECORDED_CHANNELS]
        self.field_code.choices = choices.options([*none, *choices.field_choices()])
        self.dong_id.choices = choices.options([*none, *choices.dong_choices()])


class InboxFilter(FlaskForm):
    status = SelectField(_l("단계"), choices=[], validators=[Optional()])
    mine = BooleanField(_l("내가 맡은 것만"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("전체"))] + [(s.value, labels.label(s)) for s in STEPS]


class CaseForm(FlaskForm):
    """A case for the public case book, rewritten by a person without personal data."""

    title = StringField(_l("사례 제목"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(
        _l("사례 내용 (이름·연락처·주소를 지운 글)"), validators=[DataRequired(), Length(max=8000)]
    )
    reviewed = BooleanField(_l("개인정보(이름, 번호, 주소)를 모두 지웠음을 확인했습니다"))


class OfficerForm(FlaskForm):
    """Name an officer: the picker offers only the department's active staff not yet named."""

    # The use case checks the choice (an active staff member of the department), in words.
    user_id = SelectField(_l("직원"), coerce=_optional_int, choices=[], validate_choice=False)
    head = BooleanField(_l("책임 소통담당 (답변 결재, 기한 초과 보고를 받음)"))
