"""Messages seen from the outside: the public token in every link, suppression, events."""

import re

from sqlalchemy import ColumnElement, delete, exists, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, Suppression, SuppressionReason
from pcrm.subscribers.models import Channel, Subscriber

# VERP and the List-Unsubscribe mailto: the local part names the message.
# bounces+TOKEN@MAIL_DOMAIN (envelope sender) and unsubscribe+TOKEN@MAIL_DOMAIN.
ADDRESS_TOKEN = re.compile(r"^(bounces|unsubscribe)\+([A-Za-z0-9_-]{16,64})@", re.IGNORECASE)


def message_for_token(token: str) -> Message | None:
    """The message a public link's token names, or None for an unknown or malformed token."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(db.select(Message).where(Message.token == token))


def message_for_address(address: str) -> tuple[str, Message] | None:
    """("bounces" or "unsubscribe", message) for one of our VERP or unsubscribe addresses."""
    match = ADDRESS_TOKEN.match(address or "")
    if match is None:
        return None
    message = message_for_token(match.group(2))
    return (match.group(1).lower(), message) if message else None


def record_event(
    message: Message,
    kind: EventKind,
    *,
    machine: bool = False,
    link_id: int | None = None,
    detail: str = "",
) -> Event:
    """Append an event to the message's history; the caller commits."""
    event = Event(
        message_id=message.id,
        campaign_id=message.campaign_id,
        kind=kind,
        machine=machine,
        link_id=link_id,
        detail=detail[:500],
        created_at=utcnow(),
    )
    db.session.add(event)
    return event


def record_response(message: Message) -> None:
    """Mark that the recipient answered (reminders skip them); the caller commits."""
    if message.responded_at is None:
        message.responded_at = utcnow()
        record_event(message, EventKind.RESPONSE)


def _address_column(channel: Channel | str, subscriber=Subscriber) -> ColumnElement:
    if Channel(channel) is Channel.EMAIL:
        return func.lower(subscriber.email)
    return subscriber.phone


def not_suppressed(channel: Channel | str, subscriber=Subscriber) -> ColumnElement[bool]:
    """SQL: the subscriber's address on `channel` is not on the suppression list."""
    return ~exists().where(
        Suppression.channel == Channel(channel),
        Suppression.address == _address_column(channel, subscriber),
    )


def normalise_address(channel: Channel | str, address: str) -> str:
    address = address.strip()
    return address.lower() if Channel(channel) is Channel.EMAIL else address


def suppress_address(
    *,
    address: str,
    channel: Channel | str,
    reason: SuppressionReason,
    source: str = "",
    commit: bool = True,
) -> None:
    """Put an address on the suppression list (once; a second call changes nothing); commits
    unless the caller's use case commits it with the rest (`commit=False`)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    values = {
        "address": normalise_address(channel, address),
        "channel": Channel(channel).value,
        "reason": SuppressionReason(reason).value,
        "source": source[:200],
        "created_at": utcnow(),
    }
    db.session.execute(insert(Suppression).values(**values).on_conflict_do_nothing())
    if commit:
        db.session.commit()


def unsuppress_address(*, address: str, channel: Channel | str) -> None:
    """Take an address off the suppression list; the caller commits."""
    db.session.execute(
        delete(Suppression).where(
            Suppression.channel == Channel(channel),
            Suppression.address == normalise_address(channel, address),
        )
    )


def is_suppressed(channel: Channel | str, address: str) -> bool:
    return bool(
        db.session.scalar(
            db.select(Suppression.id).where(
                Suppression.channel == Channel(channel),
                Suppression.address == normalise_address(channel, address),
            )
        )
    )
