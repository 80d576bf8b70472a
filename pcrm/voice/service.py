"""What other domains call: items handed over from the bounce mailbox and SMS replies."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy.exc import IntegrityError

from pcrm.errors import Invalid
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.voice.intake import Intake, receive
from pcrm.voice.models import VoiceChannel, VoiceItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A resident's reply to a campaign message, as another domain hands it over."""

    origin: str  # "mail:<id>", "sms:<id>": one item per origin, whoever hands it over
    channel: VoiceChannel
    body: str
    email: str | None = None
    phone: str | None = None
    message_id: int | None = None  # the message it answers, when known
    subscriber_id: int | None = None  # and who it went to


class HandOverFailed(Exception):
    """Some replies could not be taken in (the others were); running again retries those."""


def _kept(origin: str) -> VoiceItem | None:
    return db.session.scalar(db.select(VoiceItem).where(VoiceItem.origin == origin))


def handed_over(origins: Iterable[str]) -> set[str]:
    """Which of these origins are items already, in one query."""
    origins = set(origins)
    if not origins:
        return set()
    return set(db.session.scalars(db.select(VoiceItem.origin).where(VoiceItem.origin.in_(origins))))


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
    if kept is not None:
        return kept
    reply = Reply(
        origin, channel, body, email=email, phone=phone,
        message_id=message.id if message else None,
        subscriber_id=message.subscriber_id if message else None,
    )  # fmt: skip
    try:
        item = _take_in(reply)
        db.session.commit()
        return item
    except IntegrityError:  # handed over at the same instant by another worker
        db.session.rollback()
        return _kept(origin)


def hand_over_many(replies: Sequence[Reply]) -> int:
    """`hand_over` for many, in one commit: those already in found in one query, each new
    item in its own savepoint, so one that fails loses none of the others. Returns how many
    items are new; raises HandOverFailed, once the others are committed, for those that
    could not be taken in."""
    kept = handed_over(reply.origin for reply in replies)
    new, failed = 0, []
    for reply in replies:
        if reply.origin in kept:
            continue
        try:
            with db.session.begin_nested():  # on failure only this reply's rows are undone
                new += _take_in(reply) is not None
        except IntegrityError:  # handed over at the same instant by another worker
            continue
        except Exception:  # this reply's trouble, not the others': they still go in
            log.exception("reply %s could not be handed over to residents' voice", reply.origin)
            failed.append(reply.origin)
    db.session.commit()
    if failed:
        raise HandOverFailed(", ".join(failed))
    return new


def _take_in(reply: Reply) -> VoiceItem | None:
    """One new item for the reply (None for an empty one); the caller commits."""
    if not (reply.body or "").strip():
        return None
    intake = Intake(
        body=reply.body.strip()[: current_app.config["VOICE_MAX_CHARS"]], channel=reply.channel,
        email=reply.email, phone=reply.phone, origin=reply.origin,
        message_id=reply.message_id, subscriber_id=reply.subscriber_id,
    )  # fmt: skip
    try:
        return receive(intake, commit=False)
    except Invalid:  # a sender's address we could not answer to: kept without it
        return receive(replace(intake, email=None, phone=None), commit=False)
