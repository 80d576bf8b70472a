"""What a bounce or a complaint does to an address (the first, simplest policy).

A hard bounce suppresses the address at once and marks it bounced; a complaint suppresses it;
a soft bounce marks the message only. Scoring soft bounces, unsubscribing complainers from all
e-mail, the ledger entries and undoing are still to come.
"""

from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import EventKind, Message, MessageStatus, SuppressionReason
from pcrm.messaging.service import record_event, suppress_address
from pcrm.subscribers.models import AddressStatus, Channel


def apply(
    *,
    message: Message,
    kind: BounceKind,
    status: str | None = None,
    source: str = "",
    commit: bool = True,
) -> str:
    """Apply one bounce or complaint about `message`; commits unless `commit=False` (ingest
    records the evidence in the same transaction). Returns what was done, in words."""
    address = message.address or (
        message.subscriber.email if message.channel == Channel.EMAIL else message.subscriber.phone
    )
    detail = f"{kind.value} {status or ''}".strip()
    if kind is BounceKind.COMPLAINT:
        record_event(message, EventKind.COMPLAINT, detail=detail)
        suppress_address(
            address=address,
            channel=message.channel,
            reason=SuppressionReason.COMPLAINT,
            source=source,
            commit=commit,
        )
        return "suppressed"
    record_event(message, EventKind.BOUNCE, detail=detail)
    if kind is BounceKind.HARD:
        message.status = MessageStatus.BOUNCED_HARD
        if message.channel == Channel.EMAIL:
            message.subscriber.email_status = AddressStatus.BOUNCED
        else:
            message.subscriber.phone_status = AddressStatus.BOUNCED
        suppress_address(
            address=address,
            channel=message.channel,
            reason=SuppressionReason.HARD_BOUNCE,
            source=source,
            commit=commit,
        )
        return "suppressed"
    message.status = MessageStatus.BOUNCED_SOFT
    if commit:
        db.session.commit()
    return "recorded"
