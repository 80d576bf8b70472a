"""What other domains call: items handed over from the bounce mailbox and SMS replies."""

from dataclasses import replace

from flask import current_app
from sqlalchemy.exc import IntegrityError

from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.voice.intake import Intake, receive
from pcrm.voice.models import VoiceChannel, VoiceItem


def _kept(origin: str) -> VoiceItem | None:
    return db.session.scalar(db.select(VoiceItem).where(VoiceItem.origin == origin))


def hand_over(
    *,
    origin: str,
    channel: VoiceChannel,
    body: str,
    email: str | None = None,
    phone: str | None = None,
    message: Message | None = None,
) -> VoiceItem | None:
    """A resident's reply to a campaign message into the inbox, linked to the message and
    subscriber it answers; once per origin ("mail:<id>", "sms:<id>"); commits. An empty
    reply is not an item (None)."""
    kept = _kept(origin)
    if kept is not None or not (body or "").strip():
        return kept
    intake = Intake(
        body=body.strip()[: current_app.config["VOICE_MAX_CHARS"]], channel=channel,
        email=email, phone=phone, origin=origin,
        message_id=message.id if message else None,
        subscriber_id=message.subscriber_id if message else None,
    )  # fmt: skip
    try:
        try:
            return receive(intake)
        except Invalid:  # a sender's address we could not answer to: kept without it
            return receive(replace(intake, email=None, phone=None))
    except IntegrityError:  # handed over at the same instant by another worker
        db.session.rollback()
        return _kept(origin)
