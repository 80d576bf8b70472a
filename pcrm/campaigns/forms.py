from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pcrm.campaigns import choices
from pcrm.campaigns.models import CampaignKind, Delivery
from pcrm.campaigns.recurrence import PRESETS, SEOUL
from pcrm.forms import DateTimeLocalField, IntegerField
from pcrm.subscribers.addresses import EmailAddress
from pcrm.subscribers.models import Channel

KINDS = [
    SelectChoice(CampaignKind.SURVEY.value, _l("설문 참여 요청")),
    SelectChoice(CampaignKind.INFORMATION.value, _l("정보 안내")),
    SelectChoice(CampaignKind.PROMOTIONAL.value, _l("광고성 정보 (정보통신망법 제50조 적용)")),
]


DELIVERIES = [
    SelectChoice(Delivery.EMAIL.value, _l("이메일")),
    SelectChoice(Delivery.SMS.value, _l("문자")),
    SelectChoice(Delivery.MIXED.value, _l("이메일, 주소 없이 휴대전화만 있는 분께는 문자")),
]


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


DEFAULT_BODY = (
    "{{ name }}님, 안녕하세요.\n\n"
    "{{ department }}에서 「{{ project }}」에 관한 의견을 듣고자 합니다.\n"
    "아래 주소에서 3분이면 답하실 수 있습니다.\n\n{{ survey_link }}\n\n감사합니다."
)
DEFAULT_SMS_BODY = "{{ department }} 「{{ project }}」 설문(3분): {{ survey_link }}"


def to_utc(value):
    """A time typed in Asia/Seoul (naive, from the form) as an aware UTC time."""
    return value.replace(tzinfo=SEOUL).astimezone(UTC) if value else None


def to_local(value):
    return value.astimezone(SEOUL).replace(tzinfo=None) if value else None


class CampaignForm(FlaskForm):
    project_id = SelectField(
        lazy_pgettext("a project", "사업"), coerce=int, validators=[InputRequired()]
    )
    name = StringField(_l("캠페인 이름"), validators=[DataRequired(), Length(max=200)])
    kind = RadioField(_l("종류"), choices=KINDS, default="survey", validators=[InputRequired()])
    survey_id = SelectField(_l("설문"), coerce=int, validators=[Optional()])
    segment_id = SelectField(_l("대상 세그먼트"), coerce=int, validators=[Optional()])
    field_code = SelectField(_l("분야 (정보·광고 메일)"), validators=[Optional()])
    delivery = RadioField(
        _l("보낼 방법"), choices=DELIVERIES, default="email", validators=[Optional()]
    )
    subject = StringField(_l("메일 제목"), validators=[Optional(), Length(max=300)])
    body = TextAreaField(
        _l("메일 본문"),
        default=DEFAULT_BODY,
        validators=[Optional()],
        render_kw={"rows": 18},  # room to write a letter in
    )
    sms_subject = StringField(_l("긴 문자(LMS) 제목"), validators=[Optional(), Length(max=300)])
    sms_body = TextAreaField(
        _l("문자 본문"), default=DEFAULT_SMS_BODY, validators=[Optional(), Length(max=20000)]
    )
    send_at = DateTimeLocalField(_l("발송 희망 시각"), validators=[Optional()])
    recurrence = SelectField(
        _l("반복"), choices=options(PRESETS), default="", validators=[Optional()]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id.choices = options(choices.projects(user))
        self.survey_id.choices = options([(0, _l("고르세요")), *choices.surveys_to_send(user)])
        self.segment_id.choices = options([(0, _l("고르세요")), *choices.segments()])
        self.field_code.choices = options([("", _l("고르세요")), *choices.fields()])

    def validate(self, extra_validators=None) -> bool:
        """Besides each field: the texts the chosen way of sending needs."""
        self.delivery.data = self.delivery.data or Delivery.EMAIL.value  # e-mail unless chosen
        valid = super().validate(extra_validators)
        delivery = self.delivery.data
        needed = [self.sms_body] if delivery != Delivery.EMAIL else []
        if delivery != Delivery.SMS:
            needed += [self.subject, self.body]
        for field in needed:
            if not (field.data or "").strip():
                field.errors = [*field.errors, _l("이 보낼 방법에는 꼭 써야 합니다.")]
                valid = False
        return valid

    def load(self, campaign) -> None:
        """Fill the form from a campaign (an SMS campaign's text is in its subject and body)."""
        self.delivery.data = campaign.delivery.value
        if campaign.delivery is Delivery.SMS:
            self.sms_subject.data, self.sms_body.data = campaign.subject, campaign.body
            self.subject.data, self.body.data = "", DEFAULT_BODY

    def campaign_fields(self) -> dict:
        delivery = Delivery(self.delivery.data)
        mail = (self.subject.data or "").strip(), _lines(self.body.data)
        sms = (self.sms_subject.data or "").strip(), _lines(self.sms_body.data)
        subject, body = sms if delivery is Delivery.SMS else mail
        sms_subject, sms_body = sms if delivery is Delivery.MIXED else ("", "")
        return {
            "name": self.name.data.strip(),
            "kind": CampaignKind(self.kind.data),
            "survey_id": self.survey_id.data or None,
            "segment_id": self.segment_id.data or None,
            "field_code": self.field_code.data or None,
            "channel": Channel.SMS if delivery is Delivery.SMS else Channel.EMAIL,
            "sms_to_phone_only": delivery is Delivery.MIXED,
            "subject": subject,
            "body": body,
            "sms_subject": sms_subject,
            "sms_body": sms_body,
            "send_at": to_utc(self.send_at.data),
            "recurrence": self.recurrence.data or None,
        }


def _lines(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n")


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("검토 결과"),
        choices=[
            SelectChoice("approve", _l("승인하고 예약")),
            SelectChoice("changes", _l("수정 요청")),
            SelectChoice("reject", _l("반려")),
            SelectChoice("comment", _l("의견만 남기기")),
        ],
        validators=[InputRequired(message=_l("하나를 골라 주세요."))],
    )
    note = TextAreaField(_l("의견 또는 사유"), validators=[Length(max=2000)])
    send_at = DateTimeLocalField(_l("발송 시각 (비우면 요청한 시각)"), validators=[Optional()])


class CommentForm(FlaskForm):
    # Its own id: the review form on the same page has a `note` field too.
    note = TextAreaField(
        _l("의견"), id="comment-note", validators=[DataRequired(), Length(max=2000)]
    )


class CancelForm(FlaskForm):
    reason = StringField(_l("취소 사유"), validators=[DataRequired(), Length(max=500)])


class TestSendForm(FlaskForm):
    address = EmailField(
        _l("받을 직원 주소"), validators=[DataRequired(), EmailAddress(), Length(max=254)]
    )


class ActionForm(FlaskForm):
    """A button that changes state: CSRF only."""


class ReminderForm(FlaskForm):
    """A reminder wave to those who have not answered."""

    channel = RadioField(
        _l("보낼 방법"),
        choices=[
            SelectChoice(Channel.EMAIL.value, _l("이메일")),
            SelectChoice(Channel.SMS.value, _l("문자")),
        ],
        default=Channel.EMAIL.value,
        id="reminder-channel",
        validators=[InputRequired(message=_l("하나를 골라 주세요."))],
    )
    # Ids of their own: the review form on the same page has a send_at too.
    after_days = IntegerField(
        _l("첫 발송 며칠 뒤"),
        id="reminder-after-days",
        validators=[Optional(), NumberRange(min=1, max=90)],
    )
    send_at = DateTimeLocalField(
        _l("또는 보낼 시각"), id="reminder-send-at", validators=[Optional()]
    )
    subject = StringField(
        _l("제목 (메일, 긴 문자)"), id="reminder-subject", validators=[Length(max=300)]
    )
    body = TextAreaField(
        _l("알림 본문"), id="reminder-body", validators=[DataRequired(), Length(max=20000)]
    )

    def reminder_fields(self) -> dict:
        return {
            "channel": Channel(self.channel.data),
            "after_days": self.after_days.data,
            "send_at": to_utc(self.send_at.data),
            "subject": self.subject.data or "",
            "body": self.body.data,
        }
