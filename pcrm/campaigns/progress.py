"""Who a campaign may reach right now, and how far its sending has come."""

from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
from pcrm.db import among, utcnow
from pcrm.extensions import db
from pcrm.messaging.models import UNFINISHED, Event, EventKind, Message, MessageStatus
from pcrm.messaging.service import not_suppressed
from pcrm.reference import reference
from pcrm.subscribers.audience import Criteria, reachable_ids
from pcrm.subscribers.models import Channel, Subscriber
from pcrm.surveys.models import Response

# 정보통신망법 §50: consent to advertising must be re-confirmed every two years.
PROMOTIONAL_CONSENT_VALIDITY = relativedelta(years=2)


def audience_filter(
    campaign: Campaign, criteria: Criteria | None = None, channel: Channel | None = None
) -> Select:
    """Ids of subscribers the campaign may contact now: the reachability rule, the campaign's
    field and channel (or a wave's `channel`), the §50 two-year rule for promotional campaigns,
    and no suppression."""
    channel = channel or campaign.channel
    recent = None
    if campaign.kind is CampaignKind.PROMOTIONAL:
        recent = utcnow() - PROMOTIONAL_CONSENT_VALIDITY
    ids = reachable_ids(
        criteria or Criteria(),
        channel=channel,
        field_code=campaign.field_code,
        consented_since=recent,
    )
    return ids.where(not_suppressed(channel, Subscriber))


def has_answered(campaign: Campaign) -> ColumnElement[bool]:
    """A condition on Subscriber: answered the campaign, by any of its messages or on its
    survey itself (an anonymous answer still marks the message)."""
    message = aliased(Message)
    by_message = exists().where(
        message.campaign_id == campaign.id,
        message.subscriber_id == Subscriber.id,
        message.responded_at.is_not(None),
    )
    if campaign.survey_id is None:
        return by_message
    on_survey = exists().where(
        Response.survey_id == campaign.survey_id, Response.subscriber_id == Subscriber.id
    )
    return or_(by_message, on_survey)


def answered_among(campaign: Campaign, people: list[int]) -> set[int]:
    """Those of `people` who answered the campaign (has_answered, asked of a batch's people
    by index rather than of every answer of the campaign for each batch)."""
    query = select(Message.subscriber_id).where(
        Message.campaign_id == campaign.id,
        among(Message.subscriber_id, people),
        Message.responded_at.is_not(None),
    )
    if campaign.survey_id is not None:  # one round trip for both
        query = query.union_all(
            select(Response.subscriber_id).where(
                Response.survey_id == campaign.survey_id,
                among(Response.subscriber_id, people),
            )
        )
    return set(db.session.scalars(query))


def audience(campaign: Campaign) -> Select:
    """The campaign's recipients: its segment's criteria through audience_filter."""
    criteria = Criteria.from_json(campaign.segment.criteria if campaign.segment else {})
    return audience_filter(campaign, criteria)


def audience_count(campaign: Campaign) -> int:
    """Live count of who launch would reach now."""
    if campaign.segment is None or campaign.field_code is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(audience(campaign).subquery()))


# Accepted by the receiving server and not bounced since: what reached a mailbox.
DELIVERED = (MessageStatus.SENT, MessageStatus.DELIVERED)
ATTEMPTED = (
    *DELIVERED,
    MessageStatus.BOUNCED_SOFT,
    MessageStatus.BOUNCED_HARD,
    MessageStatus.FAILED,
)
# Not delivered, by reason; worth another try: what may have passed (never a hard bounce or an
# address that must not be written to).
UNDELIVERED = (
    MessageStatus.FAILED,
    MessageStatus.BOUNCED_SOFT,
    MessageStatus.BOUNCED_HARD,
    MessageStatus.SUPPRESSED,
)
RETRYABLE = (MessageStatus.FAILED, MessageStatus.BOUNCED_SOFT)
# The office's survey e-mail before PCRM: 82% delivered, 9% of those opened.
BASELINE = reference()["survey_baseline"]


@dataclass(frozen=True)
class Funnel:
    """Sent → delivered → opened → clicked → responded, people only. Every rate but delivery
    divides by the delivered messages; delivery divides by the messages attempted."""

    attempted: int
    delivered: int
    opened: int  # by a person (first human open, or a click)
    machine_only: int  # opened only by proxies and scanners: not counted as opened
    clicked: int
    responded: int
    baseline_delivery: float = BASELINE["email_delivery_success_rate"]
    baseline_open: float = BASELINE["open_rate_of_delivered"]

    def of_delivered(self, part: int) -> float | None:
        return part / self.delivered if self.delivered else None

    @property
    def response_rate(self) -> float | None:
        return self.of_delivered(self.responded)


NOTHING_YET = Funnel(0, 0, 0, 0, 0, 0)


def funnels(campaign_id: int) -> dict[Channel, Funnel]:
    """The campaign's funnel on each channel it used, in one pass over its messages. A text
    has no open of its own (a followed link marks it read): its funnel is sent, delivered,
    followed, answered."""
    delivered = Message.status.in_(DELIVERED)
    machine_open = (
        select(Event.id)
        .where(Event.message_id == Message.id, Event.kind == EventKind.OPEN, Event.machine)
        .exists()
    )
    rows = db.session.execute(
        select(
            Message.channel,
            func.count().filter(Message.status.in_(ATTEMPTED)),
            func.count().filter(delivered),
            func.count(Message.opened_at).filter(delivered),
            func.count().filter(delivered, Message.opened_at.is_(None), machine_open),
            func.count(Message.clicked_at).filter(delivered),
            func.count(Message.responded_at).filter(delivered),
        )
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.channel)
    )
    return {Channel(channel): Funnel(*figures) for channel, *figures in rows}


def funnel(campaign_id: int, channel: Channel = Channel.EMAIL) -> Funnel:
    """The campaign's funnel on one channel (all zero before anything went on it)."""
    return funnels(campaign_id).get(channel, NOTHING_YET)


@dataclass(frozen=True)
class Progress:
    counts: dict[str, int]
    funnel: Funnel  # the e-mail's
    sms_funnel: Funnel = NOTHING_YET

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def by_status(self) -> list[tuple[MessageStatus, int]]:
        """The statuses that have messages, in the order of the send."""
        return [(s, self.counts[s]) for s in MessageStatus if self.counts.get(s)]

    @property
    def remaining(self) -> int:
        return sum(self.counts.get(status, 0) for status in UNFINISHED)

    @property
    def done(self) -> int:
        return self.total - self.remaining

    @property
    def undelivered(self) -> list[tuple[MessageStatus, int]]:
        """The undelivered messages by reason, those with none left out."""
        return [(s, self.counts[s]) for s in UNDELIVERED if self.counts.get(s)]

    @property
    def undelivered_total(self) -> int:
        return sum(n for _status, n in self.undelivered)

    @property
    def retryable(self) -> int:
        return sum(self.counts.get(status, 0) for status in RETRYABLE)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(campaign_id: int) -> Progress:
    """Messages of the campaign by status."""
    rows = db.session.execute(
        select(Message.status, func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.status)
    ).all()
    counts = {MessageStatus(status).value: n for status, n in rows}
    by_channel = funnels(campaign_id)
    return Progress(
        counts, by_channel.get(Channel.EMAIL, NOTHING_YET), by_channel.get(Channel.SMS, NOTHING_YET)
    )


def finish_if_done(campaign_id: int, *, probe: tuple[int, int] | None = None) -> bool:
    """A sending campaign with nothing queued or in flight is sent; commits.

    `probe`, an id range likely to hold unfinished messages (after a batch, the next batch's),
    is looked at first, by primary key: while a campaign sends it answers at once, where the
    campaign-wide check reads further into the campaign with every batch done."""
    unfinished = [Message.campaign_id == campaign_id, Message.status.in_(UNFINISHED)]
    left = probe is not None and db.session.scalar(
        select(exists().where(Message.id.between(*probe), *unfinished))
    )
    left = left or db.session.scalar(select(exists().where(*unfinished)))
    if left:
        db.session.commit()
        return False
    done = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING)
        .values(status=CampaignStatus.SENT, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        record_transition(campaign_id, "finished", CampaignStatus.SENDING, CampaignStatus.SENT)
    db.session.commit()
    return bool(done)
