"""When people acted: clicks per link, time to answer, and opens, clicks and answers by the hour
and the day (Seoul time)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, literal, select, union_all

from pcrm.campaigns.templating import body_links
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message
from pcrm.messaging.quiet_hours import SEOUL
from pcrm.reports.sql import epoch
from pcrm.subscribers.models import Channel
from pcrm.tracking.service import SURVEY_LINK, UNSUBSCRIBE_LINK

# Seoul keeps no daylight saving (none since 1988): a fixed offset turns UTC hours into its days.
SEOUL_OFFSET = timedelta(hours=9)
# The hour-by-hour view covers the first three days, where almost every open and answer falls.
HOURS_SHOWN = 72


@dataclass(frozen=True)
class LinkRow:
    link_id: int
    target: str  # "" for the survey link and the opt-out link: their words are in the page
    clicks: int  # clicks by people
    people: int  # messages whose link a person followed
    machine_clicks: int


def links(campaign_id: int, body: str) -> list[LinkRow]:
    """Clicks per link of the campaign, people's and machines' apart; most followed first."""
    rows = db.session.execute(
        select(
            Event.link_id,
            func.count().filter(Event.machine.is_(False)),
            func.count(func.distinct(Event.message_id)).filter(Event.machine.is_(False)),
            func.count().filter(Event.machine),
        )
        .where(Event.campaign_id == campaign_id, Event.kind == EventKind.CLICK)
        .group_by(Event.link_id)
    ).all()
    targets = body_links(body)

    def target(link_id: int) -> str:
        if link_id in (SURVEY_LINK, UNSUBSCRIBE_LINK) or not 1 <= link_id <= len(targets):
            return ""
        return targets[link_id - 1]

    found = [LinkRow(n, target(n), *counts) for n, *counts in rows if n is not None]
    return sorted(found, key=lambda row: (-row.people, row.link_id))


# Time from the message that was answered to the answer, in buckets staff read at a glance.
DELAY_BUCKETS = (
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("1d", 86400),
    ("3d", 3 * 86400),
    ("7d", 7 * 86400),
)
LONGER = "more"


@dataclass(frozen=True)
class Delays:
    answered: int
    median_seconds: float | None
    buckets: list[tuple[str, int]]  # bucket code and people, every bucket, in order


def _delay():
    return epoch(Message.responded_at) - epoch(Message.sent_at)


def _median(campaign_id: int, answered: int) -> float | None:
    if not answered:
        return None
    middle = (
        select(_delay())
        .where(Message.campaign_id == campaign_id, Message.responded_at.is_not(None))
        .where(Message.sent_at.is_not(None))
        .order_by(_delay())
        .offset((answered - 1) // 2)
        .limit(2 - answered % 2)
    )
    values = list(db.session.scalars(middle))
    return sum(values) / len(values)


def delays(campaign_id: int) -> Delays:
    """How long after its message each answer came: median and distribution."""
    delay = _delay()
    bucket = case(
        *((delay < limit, literal(code)) for code, limit in DELAY_BUCKETS), else_=literal(LONGER)
    )
    rows = db.session.execute(
        select(bucket, func.count())
        .where(Message.campaign_id == campaign_id, Message.responded_at.is_not(None))
        .where(Message.sent_at.is_not(None))
        .group_by(bucket)
    ).all()
    counts = dict(rows)
    answered = sum(counts.values())
    order = [code for code, _limit in DELAY_BUCKETS] + [LONGER]
    buckets = [(code, counts.get(code, 0)) for code in order]
    return Delays(answered, _median(campaign_id, answered), buckets)


@dataclass(frozen=True)
class Moment:
    at: datetime  # the start of the hour or day, Seoul time
    opens: int
    clicks: int
    answers: int


def _hour_counts(campaign_id: int) -> dict[int, list[int]]:
    """First human opens, first clicks and answers of the campaign's messages by UTC hour."""
    parts = []
    for index, column in enumerate((Message.opened_at, Message.clicked_at, Message.responded_at)):
        hour = epoch(column) // 3600
        query = (
            select(literal(index).label("what"), hour.label("hour"), func.count().label("n"))
            .where(Message.campaign_id == campaign_id, column.is_not(None))
            .group_by(hour)
        )
        # An SMS has no open: following its link marks it opened, which the e-mail funnel skips.
        parts.append(query.where(Message.channel == Channel.EMAIL) if index == 0 else query)
    counts: dict[int, list[int]] = {}
    for what, hour, n in db.session.execute(union_all(*parts)).all():
        counts.setdefault(int(hour), [0, 0, 0])[int(what)] += n
    return counts


def timeline(campaign_id: int) -> dict[str, list[Moment]]:
    """Opens, clicks and answers by hour and by day, Seoul time, with no gaps in between."""
    hours = _hour_counts(campaign_id)
    if not hours:
        return {"hours": [], "days": []}
    by_day: dict[int, list[int]] = {}
    for hour, counts in hours.items():
        day = (hour * 3600 + int(SEOUL_OFFSET.total_seconds())) // 86400
        totals = by_day.setdefault(day, [0, 0, 0])
        for index, n in enumerate(counts):
            totals[index] += n
    return {
        "hours": _filled(hours, 3600, timedelta())[:HOURS_SHOWN],
        "days": _filled(by_day, 86400, SEOUL_OFFSET),
    }


def _filled(counts: dict[int, list[int]], step: int, offset: timedelta) -> list[Moment]:
    """Every step from the first to the last with counts, zeros where nothing happened."""
    first, last = min(counts), max(counts)
    moments = []
    for unit in range(first, last + 1):
        start = datetime.fromtimestamp(unit * step, UTC) - offset
        moments.append(Moment(start.astimezone(SEOUL), *counts.get(unit, (0, 0, 0))))
    return moments
