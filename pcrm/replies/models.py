"""SMS replies residents sent, kept for staff to read."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message


class SmsReply(db.Model):
    """One text a resident sent to the office's number, as the provider or a file gave it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of number, time and text: the same reply posted or imported twice is kept once.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))  # "callback" or "import"
    # The latest SMS sent to this number before the reply, when there is one: what it answers.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    opt_out: Mapped[bool] = mapped_column(default=False)
    revoked: Mapped[int] = mapped_column(default=0)  # subscribers whose SMS consent it ended
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message | None] = relationship()
