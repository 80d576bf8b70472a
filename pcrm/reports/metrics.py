"""A campaign's figures: the funnel of people, what went wrong beside it, and each channel.

Every figure is one grouped query over the campaign's messages and events; nothing is counted
per recipient in Python. The funnel counts people (a reminder is not a second person); the
channel rows count messages.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from pcrm.campaigns import progress
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.reports.sql import DELIVERED, SENT, flag
from pcrm.subscribers.models import Channel
from pcrm.tracking.service import SURVEY_LINK

# The office's survey e-mail before PCRM: 82% delivered, 9% of those opened.
BASELINE = progress.BASELINE


@dataclass(frozen=True)
class Rate:
    """A part over the whole it is a share of; no rate when the whole is zero."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> str:
        return "–" if self.value is None else f"{100 * self.value:.1f}%"


@dataclass(frozen=True)
class Funnel:
    """People, each counted once however many messages reached them."""

    targeted: int  # a message was made for them (also those suppressed or cancelled)
    sent: int  # at least one of their messages left
    delivered: int  # at least one arrived (sent, minus those whose every message bounced)
    emailed: int  # at least one e-mail arrived: what an open is a share of
    opened: int  # a person opened an e-mail that arrived (or followed one of its links)
    clicked: int  # a person followed a link of a message that arrived
    started: int  # followed the survey link as a person, or answered
    responded: int  # answered

    @property
    def rates(self) -> dict[str, Rate]:
        return {
            "delivery": Rate(self.delivered, self.sent),
            "open": Rate(self.opened, self.emailed),
            "click": Rate(self.clicked, self.delivered),
            "response": Rate(self.responded, self.delivered),
            "response_targeted": Rate(self.responded, self.targeted),
        }


def _messages_with(*conditions):
    """Ids of the messages with such an event, once each: joined, not `IN (...)`, which
    PostgreSQL runs row by row once the ids outgrow its hash memory (many campaigns)."""
    return select(Event.message_id).where(*conditions).distinct().subquery()


def funnels(campaign_ids: list[int]) -> dict[int, Funnel]:
    """Each campaign's people at each step, in one pass over their messages; a campaign with
    no message yet is left out."""
    if not campaign_ids:
        return {}
    delivered = Message.status.in_(DELIVERED)
    emailed = delivered & (Message.channel == Channel.EMAIL)
    followed = _messages_with(
        Event.campaign_id.in_(campaign_ids),
        Event.kind == EventKind.CLICK,
        Event.link_id == SURVEY_LINK,
        Event.machine.is_(False),
    )
    started = Message.responded_at.is_not(None) | followed.c.message_id.is_not(None)
    person = (
        select(
            Message.campaign_id.label("campaign_id"),
            func.max(flag(Message.status.in_(SENT))).label("sent"),
            func.max(flag(delivered)).label("delivered"),
            func.max(flag(emailed)).label("emailed"),
            func.max(flag(emailed & Message.opened_at.is_not(None))).label("opened"),
            func.max(flag(delivered & Message.clicked_at.is_not(None))).label("clicked"),
            func.max(flag(started)).label("started"),
            func.max(flag(Message.responded_at.is_not(None))).label("responded"),
        )
        .select_from(Message)
        .outerjoin(followed, followed.c.message_id == Message.id)
        .where(Message.campaign_id.in_(campaign_ids))
        .group_by(Message.campaign_id, Message.subscriber_id)
        .subquery()
    )
    c = person.c
    steps = (c.sent, c.delivered, c.emailed, c.opened, c.clicked, c.started, c.responded)
    rows = db.session.execute(
        select(c.campaign_id, func.count(), *(func.sum(step) for step in steps)).group_by(
            c.campaign_id
        )
    ).all()
    return {row[0]: Funnel(*(int(n) for n in row[1:])) for row in rows}


EMPTY = Funnel(0, 0, 0, 0, 0, 0, 0, 0)


def funnel(campaign_id: int) -> Funnel:
    """The campaign's people at each step (all zero before anything was made)."""
    return funnels([campaign_id]).get(campaign_id, EMPTY)


def total(found: list[Funnel]) -> Funnel:
    """Funnels added up: people counted once per campaign that reached them."""
    return Funnel(*(sum(getattr(f, step) for f in found) for step in Funnel.__dataclass_fields__))


@dataclass(frozen=True)
class Aside:
    """What did not go well, beside the funnel: messages and events, not people."""

    bounced_hard: int
    bounced_soft: int
    failed: int
    suppressed: int
    unsubscribed: int  # people who unsubscribed from one of its messages
    complaints: int  # messages reported as spam
    machine_opens: int  # open events by proxies and scanners
    machine_only: int  # e-mails that arrived and only machines opened


def aside(campaign_id: int) -> Aside:
    """Bounces, refusals, opt-outs, complaints and machine opens of the campaign."""
    status = Message.status
    machine_open = (Event.kind == EventKind.OPEN) & Event.machine
    by_machine = _messages_with(Event.campaign_id == campaign_id, machine_open)
    messages = db.session.execute(
        select(
            func.count().filter(status == MessageStatus.BOUNCED_HARD),
            func.count().filter(status == MessageStatus.BOUNCED_SOFT),
            func.count().filter(status == MessageStatus.FAILED),
            func.count().filter(status == MessageStatus.SUPPRESSED),
            func.count(func.distinct(Message.subscriber_id)).filter(
                Message.unsubscribed_at.is_not(None)
            ),
            func.count().filter(
                status.in_(DELIVERED),
                Message.opened_at.is_(None),
                by_machine.c.message_id.is_not(None),
            ),
        )
        .select_from(Message)
        .outerjoin(by_machine, by_machine.c.message_id == Message.id)
        .where(Message.campaign_id == campaign_id)
    ).one()
    events = db.session.execute(
        select(
            func.count(func.distinct(Event.message_id)).filter(Event.kind == EventKind.COMPLAINT),
            func.count().filter(machine_open),
        ).where(Event.campaign_id == campaign_id)
    ).one()
    hard, soft, failed, suppressed, unsubscribed, machine_only = messages
    complaints, machine_opens = events
    return Aside(
        hard, soft, failed, suppressed, unsubscribed, complaints, machine_opens, machine_only
    )


@dataclass(frozen=True)
class ChannelRow:
    """One channel's messages, every wave together."""

    channel: Channel
    messages: int
    sent: int
    delivered: int
    bounced: int
    opened: int
    clicked: int
    responded: int

    @property
    def rates(self) -> dict[str, Rate]:
        return {
            "delivery": Rate(self.delivered, self.sent),
            "open": Rate(self.opened, self.delivered),
            "click": Rate(self.clicked, self.delivered),
            "response": Rate(self.responded, self.delivered),
        }


def channels(campaign_id: int) -> list[ChannelRow]:
    """Messages per channel: sent, delivered, bounced, opened (e-mail), clicked, answered from."""
    delivered = Message.status.in_(DELIVERED)
    bounced = Message.status.in_((MessageStatus.BOUNCED_HARD, MessageStatus.BOUNCED_SOFT))
    rows = db.session.execute(
        select(
            Message.channel,
            func.count(),
            func.count().filter(Message.status.in_(SENT)),
            func.count().filter(delivered),
            func.count().filter(bounced),
            func.count(Message.opened_at).filter(delivered, Message.channel == Channel.EMAIL),
            func.count(Message.clicked_at).filter(delivered),
            func.count(Message.responded_at),
        )
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.channel)
        .order_by(Message.channel)
    ).all()
    return [ChannelRow(Channel(row[0]), *row[1:]) for row in rows]
