"""Preferences from a message's link, which never expires and may be forwarded: it can only
take things away at once; adding goes through a fresh confirmation e-mail."""

from pcrm.extensions import db
from pcrm.subscribers import notices
from pcrm.subscribers.consent import apply_choices
from pcrm.subscribers.models import (
    AddressStatus,
    Channel,
    ConsentSource,
    NoticeKind,
    Subscriber,
)


def _channels_of(subscriber: Subscriber) -> set[Channel]:
    on = ((Channel.EMAIL, subscriber.email_opt_in), (Channel.SMS, subscriber.sms_opt_in))
    return {channel for channel, opted in on if opted}


def narrow_preferences(
    subscriber: Subscriber, *, fields: set[str], channels: set[Channel], evidence: str
) -> tuple[bool, bool]:
    """From a message link, which never expires: what was unticked stops at once (free opt-out);
    anything added waits for a fresh confirmation e-mail with a signed, expiring link.

    Returns (something was added, a confirmation e-mail was sent for it).
    """
    current_fields = {field.code for field in subscriber.interests}
    current_channels = _channels_of(subscriber)
    apply_choices(
        subscriber, fields=set(fields) & current_fields, channels=set(channels) & current_channels,
        source=ConsentSource.PREFERENCES_LINK, evidence=evidence,
    )  # fmt: skip
    added = bool(set(fields) - current_fields or set(channels) - current_channels)
    notice = None
    if added and subscriber.email and subscriber.email_status is not AddressStatus.PENDING:
        notice = notices.owe_notice(subscriber, NoticeKind.PREFERENCES_LINK)
    db.session.commit()
    if notice is not None:
        notices.enqueue_notice(notice)
    return added, notice is not None
