"""The clean-up worklist as staff read it: each bounced or suppressed address or phone with the
reason in words, its last bounce, how the subscriber registered and the campaigns affected."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from pcrm.bounces.models import AddressBounce, AddressReview, ReviewReason, ReviewState
from pcrm.bounces.status_words import describe as status_in_words
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.labels import label
from pcrm.messaging.models import Message
from pcrm.subscribers.choices import SOURCES
from pcrm.subscribers.imports.models import ImportBatch
from pcrm.subscribers.models import Channel, ConsentEvent, ConsentSource, Subscriber

PAGE_SIZE = 50
IMPORT_NUMBER = re.compile(r"#(\d+)")


@dataclass(frozen=True)
class Filters:
    channel: str = ""
    reason: str = ""  # a ReviewReason value, or "bouncing" for soft bounces not yet suppressed
    dong_id: int | None = None
    since_days: int | None = None
    unchecked: bool = False


@dataclass
class Row:
    review: AddressReview
    registered: str = ""
    campaigns: list[str] = field(default_factory=list)

    @property
    def subscriber(self) -> Subscriber:
        return self.review.subscriber

    @property
    def state_words(self) -> str:
        """The state and reason in words, e.g. "발송 제외 · 영구 반송(없는 주소)"."""
        review = self.review
        if review.state is ReviewState.CORRECTING and self.corrected:
            return _("수정한 주소 확인됨")
        words = [label(review.state)]
        if review.reason is not None:
            words.append(label(review.reason))
        return " · ".join(words)

    @property
    def corrected(self) -> bool:
        pending = self.review.pending_email
        return bool(pending) and self.subscriber.email == pending

    @property
    def status_words(self) -> str:
        bounce = self.review.last_bounce
        return status_in_words(bounce.status) if bounce else ""

    @property
    def raw_kept(self) -> bool:
        bounce = self.review.last_bounce
        return bool(bounce and bounce.inbound and bounce.inbound.purged_at is None)


def query(filters: Filters) -> Select:
    where = [Subscriber.erased_at.is_(None)]
    if filters.channel in (Channel.EMAIL, Channel.SMS):
        where.append(AddressReview.channel == filters.channel)
    if filters.reason == "bouncing":
        where.append(AddressReview.state == ReviewState.BOUNCING)
    elif filters.reason in {r.value for r in ReviewReason}:
        where.append(AddressReview.reason == filters.reason)
        where.append(AddressReview.state == ReviewState.SUPPRESSED)
    if filters.dong_id is not None:
        where.append(Subscriber.dong_id == filters.dong_id)
    if filters.since_days:
        where.append(AddressReview.updated_at >= utcnow() - timedelta(days=filters.since_days))
    if filters.unchecked:
        where.append(AddressReview.checked_at.is_(None))
    return (
        select(AddressReview)
        .join(Subscriber, Subscriber.id == AddressReview.subscriber_id)
        .where(*where)
    )


def total(filters: Filters) -> int:
    return db.session.scalar(select(func.count()).select_from(query(filters).subquery()))


def rows(filters: Filters, *, page: int = 1, size: int | None = PAGE_SIZE) -> list[Row]:
    """The page's rows, newest change first, with what each needs to be checked."""
    ordered = query(filters).order_by(AddressReview.updated_at.desc(), AddressReview.id.desc())
    if size is not None:
        ordered = ordered.limit(size).offset((page - 1) * size)
    ordered = ordered.options(
        selectinload(AddressReview.subscriber).selectinload(Subscriber.dong),
        selectinload(AddressReview.last_bounce).selectinload(AddressBounce.inbound),
    )
    found = [Row(review) for review in db.session.scalars(ordered)]
    ids = [row.review.subscriber_id for row in found]
    registered, campaigns = registrations(ids), campaigns_affected(ids)
    for row in found:
        key = row.review.subscriber_id
        row.registered = registered.get((key, row.review.channel)) or registered.get(key, "")
        row.campaigns = campaigns.get((key, row.review.channel), [])
    return found


def registrations(subscriber_ids: list[int]) -> dict:
    """How each subscriber registered, in words: the first consent they gave (per channel, and
    over all), with its source and evidence: which dong centre form, import or web sign-up."""
    query = (
        select(ConsentEvent)
        .where(
            ConsentEvent.subscriber_id.in_(subscriber_ids),
            ConsentEvent.granted.is_(True),
            ConsentEvent.source != ConsentSource.BOUNCE_POLICY,
        )
        .order_by(ConsentEvent.id)
    )
    found: dict = {}
    batches: dict[int, str] = {}
    for event in db.session.scalars(query):
        words = _registration_words(event, batches)
        found.setdefault(event.subscriber_id, words)
        if event.channel is not None:
            found.setdefault((event.subscriber_id, event.channel), words)
    return found


def _registration_words(event: ConsentEvent, batches: dict[int, str]) -> str:
    words = f"{SOURCES.get(event.source.value, event.source.value)}: {event.evidence}"
    number = IMPORT_NUMBER.search(event.evidence or "")
    if event.source is ConsentSource.IMPORT and number:
        batch_id = int(number.group(1))
        if batch_id not in batches:
            batch = db.session.get(ImportBatch, batch_id)
            batches[batch_id] = batch.filename if batch else ""
        if batches[batch_id]:
            words += f" [{batches[batch_id]}]"
    return words[:300]


def campaigns_affected(subscriber_ids: list[int]) -> dict[tuple[int, Channel], list[str]]:
    """Names of the campaigns whose messages bounced, per subscriber and channel."""
    query = (
        select(AddressBounce)
        .where(
            AddressBounce.subscriber_id.in_(subscriber_ids), AddressBounce.message_id.is_not(None)
        )
        .options(selectinload(AddressBounce.message).selectinload(Message.campaign))
        .order_by(AddressBounce.id)
    )
    found: dict[tuple[int, Channel], list[str]] = {}
    for bounce in db.session.scalars(query):
        names = found.setdefault((bounce.subscriber_id, bounce.channel), [])
        name = bounce.message.campaign.name
        if name not in names:
            names.append(name)
    return found
