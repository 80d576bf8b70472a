"""Who answered and who did not: response rates by the recipients' own attributes (age band,
gender, dong, kind, interest field), never by what anonymous answers say."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, case, cast, func, literal, select, union_all

from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.reports.metrics import Rate
from pcrm.reports.sql import DELIVERED, flag
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.models import Dong, Subscriber, subscriber_interest

DIMENSIONS = ("age_band", "gender", "dong", "kind", "field")


@dataclass(frozen=True)
class GroupRow:
    dimension: str
    key: str | None  # a code (age band, gender, kind, field) or a dong's name; None: not known
    targeted: int
    delivered: int
    responded: int

    @property
    def rate(self) -> Rate:
        return Rate(self.responded, self.delivered)


def _age_band(year: int):
    whens = []
    for band in AGE_BANDS:
        earliest, latest = band.birth_years(year)
        condition = Subscriber.birth_year <= latest
        if earliest is not None:
            condition &= Subscriber.birth_year >= earliest
        whens.append((condition, literal(band.code)))
    return case(*whens, else_=None)


def groups(campaign_id: int, today: date | None = None) -> dict[str, list[GroupRow]]:
    """Per dimension, each group's people: targeted, delivered, answered (one query)."""
    person = (
        select(
            Message.subscriber_id.label("id"),
            func.max(flag(Message.status.in_(DELIVERED))).label("delivered"),
            func.max(flag(Message.responded_at.is_not(None))).label("responded"),
        )
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.subscriber_id)
        .cte("person")
    )
    year = (today or date.today()).year
    keys = {
        "age_band": _age_band(year),
        "gender": cast(Subscriber.gender, String),
        "dong": Dong.name_ko,
        "kind": cast(Subscriber.kind, String),
    }
    parts = []
    for dimension, key in keys.items():
        query = select(person).join(Subscriber, Subscriber.id == person.c.id)
        if dimension == "dong":
            query = query.outerjoin(Dong, Dong.id == Subscriber.dong_id)
        parts.append(_grouped(query, dimension, key, person))
    fields = subscriber_interest.c
    query = select(person).join(subscriber_interest, fields.subscriber_id == person.c.id)
    parts.append(_grouped(query, "field", fields.field_code, person))
    found: dict[str, list[GroupRow]] = {dimension: [] for dimension in DIMENSIONS}
    for dimension, key, *counts in db.session.execute(union_all(*parts)).all():
        found[dimension].append(GroupRow(dimension, key, *(int(n) for n in counts)))
    return {d: sorted(rows, key=_order) for d, rows in found.items()}


def _grouped(base, dimension: str, key, person):
    """The people of `base` (person joined to what gives the key) counted per key."""
    columns = (
        literal(dimension, String).label("dimension"),
        key.label("key"),
        func.count(),
        func.sum(person.c.delivered),
        func.sum(person.c.responded),
    )
    return base.with_only_columns(*columns, maintain_column_froms=False).group_by(key)


def _order(row: GroupRow):
    band_order = [band.code for band in AGE_BANDS]
    if row.dimension == "age_band" and row.key in band_order:
        return (0, band_order.index(row.key), "")
    return (row.key is None, 0, row.key or "")
