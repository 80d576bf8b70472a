"""Campaigns: a project's request to reach a segment, reviewed by the PR office."""

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm import labels
from pcrm.auth.models import User
from pcrm.db import TimestampMixin, str_enum, utcnow
from pcrm.extensions import db
from pcrm.projects.models import Project
from pcrm.subscribers.models import Channel, Segment
from pcrm.surveys.models import Survey


class CampaignKind(enum.StrEnum):
    SURVEY = "survey"
    INFORMATION = "information"
    PROMOTIONAL = "promotional"  # 정보통신망법 §50 advertising rules apply in full


class Delivery(enum.StrEnum):
    """How the first message goes: by e-mail, by SMS, or by e-mail and by SMS to those
    reachable only by phone."""

    EMAIL = "email"
    SMS = "sms"
    MIXED = "mixed"


DELIVERY_LABELS = labels.register({
    Delivery.EMAIL: _l("이메일"),
    Delivery.SMS: _l("문자"),
    Delivery.MIXED: _l("이메일, 휴대전화만 있는 분께는 문자"),
})  # fmt: skip


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


STATUS_WORDS = labels.register(
    {
        CampaignStatus.DRAFT: _l("초안"),
        CampaignStatus.REQUESTED: _l("검토 요청됨"),
        CampaignStatus.CHANGES_REQUESTED: _l("수정 요청됨"),
        CampaignStatus.REJECTED: _l("반려됨"),
        CampaignStatus.APPROVED: _l("승인됨"),
        CampaignStatus.SCHEDULED: _l("예약됨"),
        CampaignStatus.SENDING: _l("발송 중"),
        CampaignStatus.PAUSED: _l("일시 정지"),
        CampaignStatus.SENT: _l("발송 완료"),
        CampaignStatus.CANCELLED: _l("취소됨"),
    }
)


EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.CHANGES_REQUESTED)
UNDER_WAY = (CampaignStatus.SENDING, CampaignStatus.PAUSED)


class Campaign(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CampaignKind] = mapped_column(str_enum(CampaignKind))
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus), default=CampaignStatus.DRAFT, index=True
    )
    # The survey a survey campaign invites to: of its project, published (campaigns.invitation).
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    send_at: Mapped[datetime | None]
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"))
    # The field whose consent the campaign needs: "survey" for surveys, a chosen one otherwise.
    field_code: Mapped[str | None] = mapped_column(ForeignKey("interest_field.code"))
    # The first message's channel; subject and body are its text.
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.EMAIL)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # An e-mail campaign that also texts those reachable only by phone (no usable address):
    # the first wave is mixed, and sms_subject/sms_body are the text they get.
    sms_to_phone_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    sms_subject: Mapped[str] = mapped_column(String(300), default="", server_default="")
    sms_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An RFC 5545 RRULE (e.g. the newsletter's FREQ=MONTHLY;BYDAY=+2TH,+4TH): the campaign is a
    # series, and each occurrence is launched as a child campaign of its own.
    recurrence: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    # Set when launch found the campaign too late (the service was down): waits for a person.
    held_at: Mapped[datetime | None]
    launched_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The relay refused every recipient for now, or could not be reached: no batch sends
    # before relay_retry_at, and failures in a row set how long the wait is (campaigns.backoff).
    relay_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    relay_retry_at: Mapped[datetime | None]
    relay_error: Mapped[str | None] = mapped_column(String(300))

    project: Mapped[Project] = relationship()
    segment: Mapped[Segment | None] = relationship()
    survey: Mapped[Survey | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    transitions: Mapped[list["CampaignTransition"]] = relationship(
        back_populates="campaign", order_by="CampaignTransition.id"
    )

    @property
    def department_id(self) -> int:
        return self.project.department_id

    @property
    def waits_for_relay(self) -> bool:
        """The relay refused everyone or was out of reach: nothing goes before relay_retry_at."""
        return self.relay_retry_at is not None and self.relay_retry_at > utcnow()

    @property
    def delivery(self) -> "Delivery":
        if self.channel is Channel.SMS:
            return Delivery.SMS
        return Delivery.MIXED if self.sms_to_phone_only else Delivery.EMAIL

    @property
    def texts(self) -> bool:
        """Some of its first messages go by SMS."""
        return self.delivery is not Delivery.EMAIL

    def sms_content(self) -> tuple[str, str]:
        """The subject and body of its first SMS."""
        if self.channel is Channel.SMS:
            return self.subject, self.body
        return self.sms_subject, self.sms_body

    @property
    def is_series(self) -> bool:
        return bool(self.recurrence)

    def __str__(self) -> str:
        return self.name


# What each entry of the audit trail records, in the words the trail shows.
ACTION_WORDS = {
    "created": _l("만듦"),
    "edited": _l("고침"),
    "requested": _l("검토 요청"),
    "changes_requested": _l("수정 요청"),
    "rejected": _l("반려"),
    "approved": _l("승인"),
    "scheduled": _l("발송 예약"),
    "confirmed": _l("발송 확인"),
    "cancelled": _l("취소"),
    "held": _l("발송 보류 (늦은 시각)"),
    "launched": _l("발송 시작"),
    "paused": _l("일시 정지"),
    "resumed": _l("재개"),
    "finished": _l("발송 완료"),
    "retried": _l("미전달 재발송"),
    "reminder": _l("알림 발송"),
    "reminder_added": _l("알림 추가"),
    "reminder_removed": _l("알림 삭제"),
    "comment": _l("의견"),
    "spawned": _l("반복 발송분 생성"),
    "series_ended": _l("반복 끝남"),
}


class CampaignTransition(db.Model):
    """The audit trail: every change of status (and every review comment), who, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CampaignStatus | None] = mapped_column(str_enum(CampaignStatus))
    to_status: Mapped[CampaignStatus] = mapped_column(str_enum(CampaignStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()

    @property
    def action_words(self) -> str:
        return str(ACTION_WORDS.get(self.action, _l("변경")))


class WaveStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"  # its messages were materialised and queued


class CampaignWave(db.Model):
    """A reminder to those who got the campaign and have not answered: number 1, 2, ... on its
    own channel, with its own text, N days after the campaign went or at a set time."""

    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    number: Mapped[int]  # Message.wave of its messages
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    after_days: Mapped[int | None]  # days after the campaign's first message ...
    send_at: Mapped[datetime | None]  # ... or this set time
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[WaveStatus] = mapped_column(str_enum(WaveStatus), default=WaveStatus.SCHEDULED)
    materialised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()

    def due_at(self, launched_at: datetime | None) -> datetime | None:
        """When the wave goes: its set time, or N days after the campaign was launched."""
        if self.send_at is not None:
            return self.send_at
        if launched_at is None or self.after_days is None:
            return None
        return launched_at + timedelta(days=self.after_days)
