"""Segments: saved audiences, counted live, broken down by age band and reachable channel."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, not_, or_, select

from pcrm.auth.models import User
from pcrm.errors import Invalid, NotFound
from pcrm.extensions import db
from pcrm.subscribers.age import AGE_BANDS
from pcrm.subscribers.audience import Criteria, age_condition, conditions, reachable_on
from pcrm.subscribers.models import Channel, Segment, Subscriber


@dataclass(frozen=True)
class Breakdown:
    total: int
    by_age_band: dict[str, int]  # band code -> count; "unknown" for no birth year
    by_channel: dict[str, int]  # "email", "sms", "either", "none"


def all_segments() -> list[Segment]:
    return list(db.session.scalars(select(Segment).order_by(Segment.name)))


def get_segment(segment_id: int) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(_("없는 세그먼트입니다."))
    return segment


def criteria_of(segment: Segment) -> Criteria:
    return Criteria.from_json(segment.criteria)


def live_count(criteria: Criteria) -> int:
    query = select(func.count()).select_from(Subscriber).where(*conditions(criteria))
    return db.session.scalar(query)


def breakdown(criteria: Criteria, today: date | None = None) -> Breakdown:
    """The count, by age band and by reachable channel, in one pass over the registry."""
    today = today or date.today()
    email, sms = reachable_on(Channel.EMAIL), reachable_on(Channel.SMS)
    columns = {"total": func.count()}
    for band in AGE_BANDS:
        columns[band.code] = func.count().filter(age_condition((band.code,), today))
    columns["unknown"] = func.count().filter(Subscriber.birth_year.is_(None))
    columns["email"] = func.count().filter(email)
    columns["sms"] = func.count().filter(sms)
    columns["either"] = func.count().filter(or_(email, sms))
    columns["none"] = func.count().filter(not_(or_(email, sms)))
    query = select(*(c.label(k) for k, c in columns.items())).select_from(Subscriber)
    row = db.session.execute(query.where(and_(*conditions(criteria, today)))).one()._mapping
    bands = [band.code for band in AGE_BANDS] + ["unknown"]
    return Breakdown(
        total=row["total"],
        by_age_band={code: row[code] for code in bands},
        by_channel={key: row[key] for key in ("email", "sms", "either", "none")},
    )


def save_segment(
    segment: Segment | None,
    *,
    name: str,
    description: str = "",
    criteria: Criteria,
    user: User | None,
) -> Segment:
    """Create (segment None) or change a saved audience."""
    name = name.strip()
    if not name:
        raise Invalid(_("세그먼트 이름을 입력하세요."))
    if segment is None:
        segment = Segment(created_by_id=user.id if user else None)
        db.session.add(segment)
    segment.name, segment.description = name, description.strip()
    segment.criteria = criteria.to_json()
    db.session.commit()
    return segment
