"""Every returned message as received: the evidence, kept for a retention period, and its fate."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm import labels
from pcrm.auth.models import User
from pcrm.bounces.report import BounceKind
from pcrm.db import str_enum, utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message


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
