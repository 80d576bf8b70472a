"""Every returned message as received: the evidence, kept for a retention period, and its fate."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm import labels
from pcrm.auth.models import User
from pcrm.bounces.report import BounceKind
from pcrm.db import str_enum, utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import Channel, ConsentEvent, Subscriber


class InboundState(enum.StrEnum):
    APPLIED = "applied"  # a bounce or complaint matched to our message; the policy ran
    UNMATCHED = "unmatched"  # a bounce naming no message or address of ours: changes nothing
    NOT_BOUNCE = "not_bounce"  # a reply, an auto-reply, ...: left for a person to read
    REVIEWED = "reviewed"  # a person has read an unmatched or not-bounce message


labels.register(
    {
        InboundState.APPLIED: _l("처리됨"),
        InboundState.UNMATCHED: _l("대상 불명"),
        InboundState.NOT_BOUNCE: _l("반송 아님"),
        InboundState.REVIEWED: _l("확인함"),
        BounceKind.HARD: _l("영구 반송"),
        BounceKind.SOFT: _l("일시 반송"),
        BounceKind.COMPLAINT: _l("스팸 신고"),
        BounceKind.NONE: _l("반송 아님"),
    }
)


class InboundMail(db.Model):
    """One returned message (from the bounce mailbox, a file, a webhook), stored once: ingesting
    the same bytes again finds its digest and changes nothing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the raw bytes
    source: Mapped[str] = mapped_column(String(200))  # "imap:INBOX", "file:x.mbox", "ses", ...
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[BounceKind] = mapped_column(str_enum(BounceKind))
    state: Mapped[InboundState] = mapped_column(str_enum(InboundState), index=True)
    recipient: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str | None] = mapped_column(String(20))  # RFC 3463 code
    why: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    sender: Mapped[str] = mapped_column(String(254), default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    # The evidence; emptied (None) when the retention period ends (purged_at set).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    purged_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Who read a message left for a person, and when (the staff page of returned mail).
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    message: Mapped[Message | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()


class AddressBounce(db.Model):
    """One bounce or complaint the policy applied to a subscriber's address or phone: what the
    soft-bounce score counts and the evidence the clean-up worklist shows."""

    __table_args__ = (Index("ix_address_bounce_address", "channel", "address", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    address: Mapped[str] = mapped_column(String(254))  # as normalised for suppression
    kind: Mapped[BounceKind] = mapped_column(str_enum(BounceKind))
    status: Mapped[str | None] = mapped_column(String(20))  # RFC 3463 code, or the SMS result
    diagnostic: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message | None] = relationship()
    inbound: Mapped[InboundMail | None] = relationship()


class ReviewState(enum.StrEnum):
    BOUNCING = "bouncing"  # soft bounces scored; the address is still used
    SUPPRESSED = "suppressed"  # nothing is sent to it until staff correct or restore it
    RESTORED = "restored"  # staff undid the suppression, with a reason
    CORRECTING = "correcting"  # a corrected e-mail waits for its owner's confirmation


class ReviewReason(enum.StrEnum):
    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCES = "soft_bounces"
    COMPLAINT = "complaint"
    MANUAL = "manual"


labels.register(
    {
        ReviewState.BOUNCING: _l("반송 중(일시)"),
        ReviewState.SUPPRESSED: _l("발송 제외"),
        ReviewState.RESTORED: _l("복원됨"),
        ReviewState.CORRECTING: _l("수정 확인 대기"),
        ReviewReason.HARD_BOUNCE: _l("영구 반송(없는 주소)"),
        ReviewReason.SOFT_BOUNCES: _l("일시 반송 반복"),
        ReviewReason.COMPLAINT: _l("스팸 신고(수신 거부)"),
        ReviewReason.MANUAL: _l("직원이 제외"),
    }
)


class AddressReview(db.Model):
    """A subscriber's address or phone on the clean-up worklist: one row per channel, kept up
    to date by the policy and by staff (suppress, restore, correct, mark checked)."""

    __table_args__ = (UniqueConstraint("subscriber_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    address: Mapped[str] = mapped_column(String(254))
    state: Mapped[ReviewState] = mapped_column(str_enum(ReviewState), index=True)
    reason: Mapped[ReviewReason | None] = mapped_column(str_enum(ReviewReason))
    # The policy itself revoked the channel's consent (a complaint): only then may an undo give
    # it back, and only while nobody has changed that consent since.
    revoked_consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent_event.id"))
    revoked_consent_given_at: Mapped[datetime | None]  # when that consent had been given
    # Soft bounces before this do not count (a restore or correction starts the score afresh).
    counted_since: Mapped[datetime | None]
    last_bounce_id: Mapped[int | None] = mapped_column(ForeignKey("address_bounce.id"))
    # A corrected e-mail waiting for its owner to confirm it; the old one is used until then.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    subscriber: Mapped[Subscriber] = relationship()
    last_bounce: Mapped[AddressBounce | None] = relationship()
    revoked_consent: Mapped[ConsentEvent | None] = relationship()
