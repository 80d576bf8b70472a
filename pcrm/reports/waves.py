"""Each wave of a campaign (the invitation and every reminder) and the answers that followed it.

An answer belongs to the wave whose first message left last before it: the answers between a
reminder and the next one are that reminder's uplift.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, select

from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.reports.metrics import Rate
from pcrm.reports.sql import DELIVERED, SENT
from pcrm.subscribers.models import Channel


@dataclass(frozen=True)
class WaveRow:
    number: int  # 0: the invitation; 1, 2, ...: reminders
    channel: Channel | None  # None: a mixed first wave (e-mail, and SMS to phone-only people)
    started_at: datetime | None  # when its first message left
    people: int
    sent: int
    delivered: int
    clicked: int
    answered: int  # people whose answer came after this wave and before the next
    answered_total: int  # people answered by the end of this wave's window, all waves

    @property
    def rates(self) -> dict[str, Rate]:
        return {
            "delivery": Rate(self.delivered, self.sent),
            "click": Rate(self.clicked, self.delivered),
            "uplift": Rate(self.answered, self.delivered),
        }


def _wave_counts(campaign_id: int) -> list:
    delivered = Message.status.in_(DELIVERED)
    return db.session.execute(
        select(
            Message.wave,
            func.min(Message.channel),
            func.max(Message.channel),
            func.min(Message.sent_at),
            func.count(func.distinct(Message.subscriber_id)),
            func.count().filter(Message.status.in_(SENT)),
            func.count().filter(delivered),
            func.count(Message.clicked_at).filter(delivered),
        )
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.wave)
        .order_by(Message.wave)
    ).all()


def _answers_by_window(campaign_id: int, starts: list[tuple[int, datetime]]) -> dict[int, int]:
    """People by the wave their first answer came after (starts: wave and its start, in order)."""
    first = (
        select(func.min(Message.responded_at).label("at"))
        .where(Message.campaign_id == campaign_id, Message.responded_at.is_not(None))
        .group_by(Message.subscriber_id)
        .subquery()
    )
    latest_first = sorted(starts, key=lambda item: item[1], reverse=True)
    window = case(*((first.c.at >= at, literal(n)) for n, at in latest_first), else_=literal(-1))
    rows = db.session.execute(select(window, func.count()).group_by(window)).all()
    return {int(n): count for n, count in rows}


def waves(campaign_id: int) -> list[WaveRow]:
    """Every wave that has messages, with the answers that followed it."""
    counts = _wave_counts(campaign_id)
    starts = [(row[0], row[3]) for row in counts if row[3] is not None]
    answered = _answers_by_window(campaign_id, starts) if starts else {}
    rows, total = [], answered.get(-1, 0)
    for number, first, last, started_at, people, sent, delivered, clicked in counts:
        total += answered.get(number, 0)
        channel = Channel(first) if first == last else None
        rows.append(
            WaveRow(
                number, channel, started_at, people, sent, delivered, clicked,
                answered.get(number, 0), total,
            )
        )  # fmt: skip
    return rows
