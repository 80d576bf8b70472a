"""What the bounce policy reads about the addresses of a batch of bounces (an ingest batch of
200 messages, or a single bounce): their worklist rows and their soft bounces that may still
count, each loaded in one query for the whole batch instead of one per bounce.

The batch is kept up to date as its bounces are applied, and nothing is written until the
batch's flush: a worklist row made for one bounce is the row a later bounce of the same
subscriber finds, and a soft bounce counts towards a later one of the same address.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from pcrm.bounces.models import AddressBounce, AddressReview, ReviewState
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.subscribers.models import Channel, Subscriber

Bounced = tuple[int, Channel, str]  # subscriber id, channel, address as normalised
# Soft bounces are loaded from this much before the window's start too, so a clock set back a
# little during a batch still finds every one that counts (the score filters them exactly).
CLOCK_MARGIN = timedelta(days=1)


class AddressBatch:
    """The worklist rows and soft bounces of the addresses a batch of bounces is about."""

    def __init__(
        self,
        reviews: dict[tuple[int, Channel], AddressReview],
        soft: defaultdict[tuple[Channel, str], list[datetime]],
        counted_from: datetime,
    ):
        self.reviews, self.soft = reviews, soft
        self.counted_from = counted_from  # soft bounces since then are loaded

    @classmethod
    def load(cls, bounced: Iterable[Bounced], *, now: datetime) -> "AddressBatch":
        """Load for bounces none earlier than `now` (less CLOCK_MARGIN); before any of them is
        added to the session (one already flushed would be loaded, then counted again)."""
        bounced = set(bounced)
        window = timedelta(days=current_app.config["BOUNCE_SOFT_WINDOW_DAYS"])
        counted_from = now - window - CLOCK_MARGIN
        with db.session.no_autoflush:
            reviews = _reviews({subscriber for subscriber, _, _ in bounced})
            addresses = {(channel, address) for _, channel, address in bounced}
            soft = _soft_bounces(addresses, counted_from)
        return cls(reviews, soft, counted_from)

    def review(self, subscriber: Subscriber, channel: Channel, address: str) -> AddressReview:
        """The subscriber's worklist row for `channel`, made when first needed; caller commits."""
        review = self.reviews.get((subscriber.id, channel))
        if review is None:
            review = AddressReview(
                subscriber=subscriber, channel=channel, address=address, state=ReviewState.BOUNCING
            )
            db.session.add(review)
            self.reviews[subscriber.id, channel] = review
        return review

    def bounced(self, bounce: AddressBounce) -> None:
        """A bounce applied in this batch: a later soft score of its address counts it."""
        if bounce.kind is BounceKind.SOFT:
            self.soft[bounce.channel, bounce.address].append(bounce.occurred_at)

    def soft_score(
        self, *, channel: Channel, address: str, since: datetime | None, now: datetime
    ) -> int:
        """Soft bounces of the address that still count at `now` (not faded, not before `since`),
        those written before the batch and those applied in it."""
        window = timedelta(days=current_app.config["BOUNCE_SOFT_WINDOW_DAYS"])
        start = max(now - window, since) if since else now - window
        if now - window < self.counted_from:
            raise ValueError("a bounce earlier than its batch: its soft score was not loaded")
        return sum(1 for at in self.soft[channel, address] if start < at <= now)


def _reviews(subscriber_ids: set[int]) -> dict[tuple[int, Channel], AddressReview]:
    rows = select(AddressReview).where(AddressReview.subscriber_id.in_(subscriber_ids))
    return {(r.subscriber_id, r.channel): r for r in db.session.scalars(rows)}


def _soft_bounces(
    addresses: set[tuple[Channel, str]], after: datetime
) -> defaultdict[tuple[Channel, str], list[datetime]]:
    """When each address soft-bounced after `after`, by (channel, address)."""
    soft: defaultdict[tuple[Channel, str], list[datetime]] = defaultdict(list)
    rows = select(AddressBounce.channel, AddressBounce.address, AddressBounce.occurred_at).where(
        AddressBounce.channel.in_({channel for channel, _ in addresses}),
        AddressBounce.address.in_({address for _, address in addresses}),
        AddressBounce.kind == BounceKind.SOFT,
        AddressBounce.occurred_at > after,
    )
    for channel, address, occurred_at in db.session.execute(rows):
        if (channel, address) in addresses:  # not another channel's address of the same text
            soft[channel, address].append(occurred_at)
    return soft
