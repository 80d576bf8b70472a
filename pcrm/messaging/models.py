"""Messages: one row per (campaign, subscriber, channel, wave), the ledger of every send; the
events that follow them; and the addresses nothing may be sent to."""

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm import labels
from pcrm.db import str_enum, utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import Channel, Subscriber

if TYPE_CHECKING:  # the relationship names Campaign by string: messaging sits below campaigns
    from pcrm.campaigns.models import Campaign


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    BOUNCED_SOFT = "bounced_soft"
    BOUNCED_HARD = "bounced_hard"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # not sent: unsubscribed, suppressed or unreachable at send time
    CANCELLED = "cancelled"  # not sent: the campaign was cancelled


UNFINISHED = (MessageStatus.QUEUED, MessageStatus.SENDING)
STATUS_LABELS = labels.register({
    MessageStatus.QUEUED: _l("대기"),
    MessageStatus.SENDING: _l("발송 중"),
    MessageStatus.SENT: _l("발송됨"),
    MessageStatus.DELIVERED: _l("전달됨"),
    MessageStatus.BOUNCED_SOFT: _l("일시 반송"),
    MessageStatus.BOUNCED_HARD: _l("영구 반송"),
    MessageStatus.FAILED: _l("실패"),
    MessageStatus.SUPPRESSED: _l("발송 제외"),
    MessageStatus.CANCELLED: _l("취소됨"),
})  # fmt: skip


def new_token() -> str:
    """An unguessable public token: 144 random bits, URL-safe."""
    return secrets.token_urlsafe(18)


@event.listens_for(Engine, "connect")
def _sqlite_token_function(dbapi_connection, _record):
    """Launch mints tokens inside INSERT ... SELECT; on SQLite the same generator as Python."""
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.create_function("pcrm_token", 0, new_token)


class Message(db.Model):
    # No index on status, and on PostgreSQL half-full pages (migration 0024): each of a
    # message's many writes then stays on its page and touches no index. Queries by campaign
    # and status go through the unique index's campaign_id.
    __table_args__ = (UniqueConstraint("campaign_id", "subscriber_id", "channel", "wave"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    wave: Mapped[int] = mapped_column(default=0)  # 0: the invitation; 1, 2, ...: reminders
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus), default=MessageStatus.QUEUED
    )
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    address: Mapped[str | None] = mapped_column(String(254))  # where it went, as sent
    provider_id: Mapped[str | None] = mapped_column(String(255))  # e-mail: our Message-ID
    attempts: Mapped[int] = mapped_column(default=0)
    smtp_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a batch job claims the message and renewed while it works: a stale claim means
    # the worker died, and the reconciler puts the message back in the queue.
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]  # first human open
    clicked_at: Mapped[datetime | None]  # first human click
    responded_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]

    campaign: Mapped["Campaign"] = relationship()
    subscriber: Mapped[Subscriber] = relationship()
    # Loaded per message by default; a sending batch loads them all at once (selectinload).
    short_links: Mapped[list["ShortLink"]] = relationship(back_populates="message")


class SmsRequest(db.Model):
    """One provider request (SENS: up to 100 texts under one id), the unit delivery results
    come in: the poll finds a result's text among the request's own messages, never by a
    search of `message`, whose provider_id has no index (migration 0024 keeps a send's writes
    off every index)."""

    # The poll's pick, unsettled requests of the last few days, reads this index only.
    __table_args__ = (Index("ix_sms_request_unsettled", "settled_at", "sent_at"),)

    request_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    message_ids: Mapped[list[int]] = mapped_column(JSON)  # JSON: the same on SQLite
    sent_at: Mapped[datetime]
    # Set once none of its messages awaits a result or a retry under this request.
    settled_at: Mapped[datetime | None]


class ShortTarget(enum.StrEnum):
    SURVEY = "survey"
    UNSUBSCRIBE = "unsubscribe"


class ShortLink(db.Model):
    """A short public link /r/<code> to one of a message's pages, for SMS where bytes count
    (codes: pcrm.messaging.shortlinks)."""

    __table_args__ = (UniqueConstraint("message_id", "target"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))
    target: Mapped[ShortTarget] = mapped_column(str_enum(ShortTarget))

    message: Mapped[Message] = relationship(back_populates="short_links")


class EventKind(enum.StrEnum):
    OPEN = "open"
    CLICK = "click"
    RESPONSE = "response"
    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    DELIVERY = "delivery"  # a provider's delivery report


class Event(db.Model):
    """Something that happened to a message after it left: the raw material of every report."""

    __table_args__ = (
        Index("ix_event_campaign_kind", "campaign_id", "kind"),
        # The newest event of a campaign: whether its stored report figures are behind.
        Index("ix_event_campaign_created", "campaign_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    # Opens and clicks by mail privacy proxies, scanners and prefetchers (tracking/machines.py).
    machine: Mapped[bool] = mapped_column(default=False)
    link_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship()


class SuppressionReason(enum.StrEnum):
    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCES = "soft_bounces"  # too many soft bounces in a short time (pcrm.bounces.policy)
    COMPLAINT = "complaint"
    MANUAL = "manual"
    INVALID = "invalid"


SUPPRESSION_LABELS = labels.register({
    SuppressionReason.HARD_BOUNCE: _l("영구 반송"),
    SuppressionReason.SOFT_BOUNCES: _l("일시 반송 반복"),
    SuppressionReason.COMPLAINT: _l("스팸 신고"),
    SuppressionReason.MANUAL: _l("직원이 제외"),
    SuppressionReason.INVALID: _l("주소·번호 오류"),
})  # fmt: skip


class Suppression(db.Model):
    """An address nothing is sent to on a channel, whoever it belongs to (checked at launch and
    again at send time)."""

    __table_args__ = (UniqueConstraint("address", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254))  # e-mail lower-cased, phone in E.164
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    reason: Mapped[SuppressionReason] = mapped_column(str_enum(SuppressionReason))
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
