"""Residents' voice: what a resident sent, who handles it, its answer and its trail."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm import labels
from pcrm.auth.models import Department, User
from pcrm.db import TimestampMixin, str_enum, utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import InterestField


class VoiceChannel(enum.StrEnum):
    WEB = "web"  # the public form 의견 보내기
    EMAIL_REPLY = "email_reply"  # a reply to a campaign e-mail (the bounce mailbox)
    SMS_REPLY = "sms_reply"  # a reply to a campaign SMS
    PHONE = "phone"
    VISIT = "visit"
    FACEBOOK = "facebook"
    X = "x"
    KAKAO = "kakao"  # KakaoTalk open chat
    BAND = "band"  # Naver Band
    CAFE = "cafe"  # an internet cafe
    API = "api"  # a channel bot or civic app through Open311


CHANNEL_LABELS = labels.register(
    {
        VoiceChannel.WEB: _l("의견 보내기"),
        VoiceChannel.EMAIL_REPLY: _l("이메일 답장"),
        VoiceChannel.SMS_REPLY: _l("문자 답장"),
        VoiceChannel.PHONE: _l("전화"),
        VoiceChannel.VISIT: _l("방문"),
        VoiceChannel.FACEBOOK: _l("페이스북"),
        VoiceChannel.X: _l("X(트위터)"),
        VoiceChannel.KAKAO: _l("카카오톡 오픈채팅"),
        VoiceChannel.BAND: _l("네이버 밴드"),
        VoiceChannel.CAFE: _l("인터넷 카페"),
        VoiceChannel.API: _l("연동 앱"),
    }
)
# What staff record by hand from other channels.
RECORDED_CHANNELS = (
    VoiceChannel.PHONE,
    VoiceChannel.VISIT,
    VoiceChannel.FACEBOOK,
    VoiceChannel.X,
    VoiceChannel.KAKAO,
    VoiceChannel.BAND,
    VoiceChannel.CAFE,
)


class VoiceStatus(enum.StrEnum):
    """The four public steps of 응답소."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    APPROVAL = "approval"
    DONE = "done"


STATUS_LABELS = labels.register(
    {
        VoiceStatus.RECEIVED: _l("접수"),
        VoiceStatus.IN_PROGRESS: _l("담당 처리중"),
        VoiceStatus.APPROVAL: _l("결재중"),
        VoiceStatus.DONE: _l("완료"),
    }
)
STEPS = tuple(VoiceStatus)


class Outcome(enum.StrEnum):
    INFORMATION = "information"  # answered at once: information given
    RESOLVED = "resolved"
    REFUSED = "refused"  # 불가, with the reason
    LONG_TERM = "long_term"  # 장기 추진
    MERGED = "merged"  # a duplicate of another item, answered there
    WITHDRAWN = "withdrawn"  # the resident took it back


OUTCOME_LABELS = labels.register(
    {
        Outcome.INFORMATION: _l("정보 제공"),
        Outcome.RESOLVED: _l("해결"),
        Outcome.REFUSED: _l("불가"),
        Outcome.LONG_TERM: _l("장기 추진"),
        Outcome.MERGED: _l("중복 병합"),
        Outcome.WITHDRAWN: _l("주민 철회"),
    }
)
# What an officer's answer may say (a merge is PR's triage, not an answer).
ANSWER_OUTCOMES = (Outcome.RESOLVED, Outcome.REFUSED, Outcome.LONG_TERM, Outcome.INFORMATION)


class VoiceAction(enum.StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # its officer was removed: back to the department's unassigned list
    ANSWERED = "answered"  # PR answered at once
    SUBMITTED = "submitted"  # the officer's answer, for approval
    RETURNED = "returned"  # the answer sent back to the officer
    APPROVED = "approved"
    MERGED = "merged"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"
    PUBLISHED = "published"  # in the public case book
    UNPUBLISHED = "unpublished"


ACTION_LABELS = labels.register(
    {
        VoiceAction.RECEIVED: _l("접수"),
        VoiceAction.ASSIGNED: _l("부서 배정"),
        VoiceAction.UNASSIGNED: _l("담당 해제"),
        VoiceAction.ANSWERED: _l("바로 답변"),
        VoiceAction.SUBMITTED: _l("답변 결재 요청"),
        VoiceAction.RETURNED: _l("답변 반려"),
        VoiceAction.APPROVED: _l("답변 승인"),
        VoiceAction.MERGED: _l("중복 병합"),
        VoiceAction.ESCALATED: _l("기한 초과 보고"),
        VoiceAction.WITHDRAWN: _l("주민 철회"),
        VoiceAction.PUBLISHED: _l("사례집 게재"),
        VoiceAction.UNPUBLISHED: _l("사례집 게재 취소"),
    }
)


class VoiceOfficer(db.Model):
    """A department's named officer for residents' voice (소통담당); `head` gets escalations."""

    __table_args__ = (UniqueConstraint("department_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    head: Mapped[bool] = mapped_column(default=False)
    reminded_on: Mapped[date | None]  # the Seoul day of the last reminder: one a day

    department: Mapped[Department] = relationship()
    user: Mapped[User] = relationship()


class VoiceItem(TimestampMixin, db.Model):
    """One message a resident sent, from any channel, until it is answered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # the resident's status link
    channel: Mapped[VoiceChannel] = mapped_column(str_enum(VoiceChannel))
    source_url: Mapped[str] = mapped_column(String(500), default="")  # the post, for SNS
    body: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str | None] = mapped_column(ForeignKey("interest_field.code"))
    dong_id: Mapped[int | None] = mapped_column(ForeignKey("dong.id"))
    # Kept only to answer, erased after the retention period once closed.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))  # what it answers
    # Where it was handed over from ("mail:<inbound id>", "sms:<reply id>"): handed over once.
    origin: Mapped[str | None] = mapped_column(String(80), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The Open311 client whose key submitted it (VOICE_API_KEYS' name), shown to staff.
    api_client: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[VoiceStatus] = mapped_column(
        str_enum(VoiceStatus), default=VoiceStatus.RECEIVED, index=True
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("voice_item.id"))
    due_at: Mapped[datetime]
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it cannot be done
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answer_sent_at: Mapped[datetime | None]
    answer_error: Mapped[str] = mapped_column(String(300), default="")
    escalated_at: Mapped[datetime | None]
    # The public case book: a title and a text a person wrote with the personal data removed.
    case_title: Mapped[str] = mapped_column(String(200), default="")
    case_text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    department: Mapped[Department | None] = relationship()
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    field: Mapped[InterestField | None] = relationship()
    comments: Mapped[list["VoiceComment"]] = relationship(
        back_populates="item", order_by="VoiceComment.id", cascade="all, delete-orphan"
    )
    trail: Mapped[list["VoiceTransition"]] = relationship(
        back_populates="item", order_by="VoiceTransition.id", cascade="all, delete-orphan"
    )

    @property
    def number(self) -> str:
        """The receipt number residents quote."""
        return f"{self.created_at:%Y}-{self.id:06d}"

    @property
    def is_open(self) -> bool:
        return self.status is not VoiceStatus.DONE


class VoiceComment(db.Model):
    """A comment on an item: from the resident (no author), or from staff; staff-only notes
    never reach the public page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("voice_item.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    staff_only: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[VoiceItem] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class VoiceTransition(db.Model):
    """The audit trail: every change of status, department, officer or answer, by whom."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("voice_item.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[VoiceAction] = mapped_column(str_enum(VoiceAction))
    from_status: Mapped[VoiceStatus | None] = mapped_column(str_enum(VoiceStatus))
    to_status: Mapped[VoiceStatus] = mapped_column(str_enum(VoiceStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[VoiceItem] = relationship(back_populates="trail")
