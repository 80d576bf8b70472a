"""The consent ledger: every grant and revocation, applied at once and recorded with evidence.

Channel consent (e-mail, SMS) and field consent (interest in culture, opinion surveys, ...) are
separate rows; a message needs both (see audience.reachable_ids).
"""

from sqlalchemy import delete, insert

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import (
    Channel,
    ConsentEvent,
    ConsentSource,
    Subscriber,
    subscriber_interest,
)


def _record(subscriber: Subscriber, **event) -> ConsentEvent:
    entry = ConsentEvent(subscriber_id=subscriber.id, created_at=utcnow(), **event)
    db.session.add(entry)
    return entry


def _set_channel(subscriber: Subscriber, channel: Channel, granted: bool) -> None:
    now = utcnow() if granted else None
    if channel is Channel.EMAIL:
        subscriber.email_opt_in, subscriber.email_consented_at = granted, now
    else:
        subscriber.sms_opt_in, subscriber.sms_consented_at = granted, now


def _set_field(subscriber: Subscriber, field_code: str, granted: bool) -> None:
    link = subscriber_interest.c
    db.session.execute(
        delete(subscriber_interest).where(
            link.subscriber_id == subscriber.id, link.field_code == field_code
        )
    )
    if granted:
        db.session.execute(
            insert(subscriber_interest).values(subscriber_id=subscriber.id, field_code=field_code)
        )
    db.session.expire(subscriber, ["interests"])


def change_consent(
    subscriber: Subscriber,
    *,
    granted: bool,
    source: ConsentSource,
    channel: Channel | None = None,
    field_code: str | None = None,
    evidence: str = "",
    notice_version: str | None = None,
    actor: User | None = None,
) -> ConsentEvent:
    """Grant or revoke one channel or one field, and append it to the ledger; caller commits."""
    if (channel is None) == (field_code is None):
        raise ValueError("a consent change names exactly one channel or one field")
    if channel is not None:
        _set_channel(subscriber, Channel(channel), granted)
    else:
        _set_field(subscriber, field_code, granted)
    return _record(
        subscriber,
        channel=channel,
        field_code=field_code,
        granted=granted,
        source=source,
        evidence=evidence,
        notice_version=notice_version,
        actor_user_id=actor.id if actor else None,
    )


def note_in_ledger(
    subscriber: Subscriber,
    *,
    channel: Channel,
    source: ConsentSource,
    evidence: str,
    actor: User | None = None,
) -> ConsentEvent:
    """Record an action on a channel that leaves its consent as it is (an address suppressed or
    restored): `granted` repeats the current consent, so the ledger still replays to the state
    the subscriber has; caller commits."""
    email = Channel(channel) is Channel.EMAIL
    granted = subscriber.email_opt_in if email else subscriber.sms_opt_in
    return _record(
        subscriber,
        channel=channel,
        granted=granted,
        source=source,
        evidence=evidence,
        actor_user_id=actor.id if actor else None,
    )


def unsubscribe_everything(
    subscriber: Subscriber, *, source: ConsentSource, evidence: str = ""
) -> list[ConsentEvent]:
    """Revoke every channel: nothing more is sent, whatever the field; caller commits."""
    return [
        change_consent(subscriber, granted=False, channel=channel, source=source, evidence=evidence)
        for channel in Channel
        if (subscriber.email_opt_in if channel is Channel.EMAIL else subscriber.sms_opt_in)
    ]


def apply_choices(
    subscriber: Subscriber,
    *,
    fields: set[str],
    channels: set[Channel],
    source: ConsentSource,
    evidence: str = "",
    notice_version: str | None = None,
    actor: User | None = None,
) -> list[ConsentEvent]:
    """Make the subscriber's fields and channels exactly these, recording each change."""
    record = {"source": source, "evidence": evidence, "notice_version": notice_version}
    record["actor"] = actor
    current_fields = {field.code for field in subscriber.interests}
    events = [
        change_consent(subscriber, granted=code in fields, field_code=code, **record)
        for code in sorted(current_fields ^ fields)
    ]
    current_channels = {
        channel
        for channel, opted in (
            (Channel.EMAIL, subscriber.email_opt_in),
            (Channel.SMS, subscriber.sms_opt_in),
        )
        if opted
    }
    events += [
        change_consent(subscriber, granted=channel in channels, channel=channel, **record)
        for channel in sorted(current_channels ^ set(channels))
    ]
    return events
