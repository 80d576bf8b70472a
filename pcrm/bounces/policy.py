"""What a bounce or a complaint does to an address or phone, on either channel.

- a hard bounce suppresses the address at once and marks it bounced;
- soft bounces are scored: each counts for BOUNCE_SOFT_WINDOW_DAYS, then fades out; when
  BOUNCE_SOFT_LIMIT of them count at once the address is suppressed and marked bounced;
- a complaint revokes the channel's consent (every field: "all e-mail") and suppresses it.

Each action is written to the consent ledger (ConsentSource.BOUNCE_POLICY) with its evidence
and shows on the clean-up worklist (AddressReview), where staff can undo it (review.py).

The policy reads an address's worklist row and its soft bounces per batch of bounces (an ingest
batch, or a single bounce), loaded up front (addresses.py); a bounce sees the effect of those
before it in the same batch, as if each had been written before the next was applied.
"""

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from pcrm.bounces.addresses import AddressBatch
from pcrm.bounces.models import AddressBounce, AddressReview, InboundMail, ReviewReason
from pcrm.bounces.models import ReviewState as State
from pcrm.bounces.report import BounceKind
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.labels import label
from pcrm.messaging.models import (
    UNFINISHED,
    EventKind,
    Message,
    MessageStatus,
    SuppressionReason,
)
from pcrm.messaging.service import normalise_address, record_event, suppress_address
from pcrm.subscribers.consent import change_consent, note_in_ledger
from pcrm.subscribers.models import AddressStatus, Channel, ConsentSource, Subscriber

SUPPRESSION_REASONS = {
    ReviewReason.HARD_BOUNCE: SuppressionReason.HARD_BOUNCE,
    ReviewReason.SOFT_BOUNCES: SuppressionReason.SOFT_BOUNCES,
    ReviewReason.COMPLAINT: SuppressionReason.COMPLAINT,
    ReviewReason.MANUAL: SuppressionReason.MANUAL,
}


def current_address(subscriber: Subscriber, channel: Channel) -> str | None:
    address = subscriber.email if channel is Channel.EMAIL else subscriber.phone
    return normalise_address(channel, address) if address else None


def bounce_address(message: Message) -> str:
    """The address a bounce of `message` is about: the one it went to, else the current one."""
    channel = Channel(message.channel)
    return normalise_address(
        channel, message.address or current_address(message.subscriber, channel) or ""
    )


def batch_for(messages: Iterable[Message], *, now: datetime | None = None) -> AddressBatch:
    """What `apply` reads about these messages' addresses, loaded once for all of them (an
    ingest batch); to be made before any of them is applied, and used for bounces no earlier
    than `now`."""
    bounced = ((m.subscriber_id, Channel(m.channel), bounce_address(m)) for m in messages)
    return AddressBatch.load(bounced, now=now or utcnow())


def set_address_status(subscriber: Subscriber, channel: Channel, status: AddressStatus) -> None:
    if channel is Channel.EMAIL:
        subscriber.email_status = status
    else:
        subscriber.phone_status = status


def suppress(
    review: AddressReview,
    reason: ReviewReason,
    *,
    evidence: str,
    source: str,
    actor=None,
    noted: bool = False,
) -> None:
    """Suppress the review's address and say so in the ledger (unless `noted` there already);
    caller commits."""
    suppress_address(
        address=review.address,
        channel=review.channel,
        reason=SUPPRESSION_REASONS[reason],
        source=source,
        commit=False,
    )
    review.state, review.reason = State.SUPPRESSED, reason
    review.checked_at = review.checked_by_id = None  # a new suppression is to be checked again
    if reason in (ReviewReason.HARD_BOUNCE, ReviewReason.SOFT_BOUNCES) and _is_current(review):
        set_address_status(review.subscriber, review.channel, AddressStatus.BOUNCED)
    if noted:
        return
    note_in_ledger(
        review.subscriber,
        channel=review.channel,
        source=ConsentSource.BOUNCE_POLICY,
        evidence=_("발송 제외: %(why)s", why=evidence),
        actor=actor,
    )


def _is_current(review: AddressReview) -> bool:
    """The address is still the subscriber's (not one corrected since the message went)."""
    return current_address(review.subscriber, review.channel) == review.address


def _evidence(kind: BounceKind, status: str | None, diagnostic: str, source: str) -> str:
    parts = [str(label(kind)), status or "", diagnostic[:200], f"({source})" if source else ""]
    return " ".join(part for part in parts if part)


def _complain(review: AddressReview, evidence: str, source: str) -> None:
    subscriber, channel = review.subscriber, review.channel
    opted_in = subscriber.email_opt_in if channel is Channel.EMAIL else subscriber.sms_opt_in
    if opted_in and _is_current(review):
        review.revoked_consent_given_at = (
            subscriber.email_consented_at
            if channel is Channel.EMAIL
            else subscriber.sms_consented_at
        )
        revoked = change_consent(
            subscriber,
            granted=False,
            channel=channel,
            source=ConsentSource.BOUNCE_POLICY,
            evidence=_("수신 거부(스팸 신고): %(why)s", why=evidence),
        )
        review.revoked_consent = revoked  # its id once written: no flush in a batch's middle
    # The revocation is the ledger's entry: restore() gives consent back only while it is last.
    noted = review.revoked_consent is not None
    suppress(review, ReviewReason.COMPLAINT, evidence=evidence, source=source, noted=noted)


def apply(
    *,
    message: Message,
    kind: BounceKind,
    status: str | None = None,
    source: str = "",
    diagnostic: str = "",
    inbound: InboundMail | None = None,
    now: datetime | None = None,
    commit: bool = True,
    batch: AddressBatch | None = None,
) -> str:
    """Apply one bounce or complaint about `message` (e-mail or SMS); commits unless
    `commit=False` (ingest records the evidence in the same transaction). The bounces of one
    transaction (an ingest batch) share one `batch`, made by `batch_for` from all of their
    messages first. Returns what was done: "suppressed", "recorded" (a soft bounce scored),
    "already suppressed" or "nothing" (not a bounce)."""
    if kind is BounceKind.NONE:
        return "nothing"
    now = now or utcnow()
    batch = batch or batch_for([message], now=now)
    channel, address = Channel(message.channel), bounce_address(message)
    bounce = AddressBounce(
        subscriber_id=message.subscriber_id,
        channel=channel,
        address=address,
        kind=kind,
        status=(status or "")[:20] or None,
        diagnostic=diagnostic[:500],
        source=source[:200],
        message_id=message.id,
        inbound=inbound,
        occurred_at=now,
    )
    db.session.add(bounce)
    batch.bounced(bounce)
    evidence = _evidence(kind, status, diagnostic, source)
    _mark_message(message, kind, status, diagnostic, evidence)
    review = batch.review(message.subscriber, channel, address)
    if review.address != address:  # another address of theirs: the row follows the newest
        review.address, review.state, review.reason = address, State.BOUNCING, None
    review.last_bounce = bounce
    done = _act(review, kind, evidence, source, now, batch)
    if commit:
        db.session.commit()
    return done


def _mark_message(message: Message, kind: BounceKind, status, diagnostic, evidence) -> None:
    event = EventKind.COMPLAINT if kind is BounceKind.COMPLAINT else EventKind.BOUNCE
    record_event(message, event, detail=f"{kind.value} {status or ''} {diagnostic}".strip())
    if kind is BounceKind.COMPLAINT:
        return
    # A message back in the queue for another try (a temporary SMS or SMTP failure) keeps its
    # status after a soft bounce: it counts towards the address, and the retry still goes.
    if kind is BounceKind.SOFT and message.status in UNFINISHED:
        return
    hard = kind is BounceKind.HARD
    message.status = MessageStatus.BOUNCED_HARD if hard else MessageStatus.BOUNCED_SOFT
    message.last_error = message.last_error or evidence  # campaign results show why


def _act(
    review: AddressReview, kind: BounceKind, evidence: str, source: str, now, batch: AddressBatch
) -> str:
    if review.state is State.SUPPRESSED:
        return "already suppressed"
    if kind is BounceKind.COMPLAINT:
        _complain(review, evidence, source)
        return "suppressed"
    if kind is BounceKind.HARD:
        suppress(review, ReviewReason.HARD_BOUNCE, evidence=evidence, source=source)
        return "suppressed"
    score = batch.soft_score(
        channel=review.channel, address=review.address, since=review.counted_since, now=now
    )
    if score >= current_app.config["BOUNCE_SOFT_LIMIT"]:
        why = _("%(count)s회 일시 반송, 마지막: %(last)s", count=score, last=evidence)
        suppress(review, ReviewReason.SOFT_BOUNCES, evidence=why, source=source)
        return "suppressed"
    if review.state is not State.CORRECTING:
        review.state = State.BOUNCING
    return "recorded"
