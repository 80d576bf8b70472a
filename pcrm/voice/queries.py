"""What staff and residents read: the inbox an officer may see, lights, the public status."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.errors import NotFound
from pcrm.extensions import db
from pcrm.voice.deadlines import Light, light
from pcrm.voice.models import VoiceItem, VoiceStatus

PAGE_SIZE = 50


def visible(user: User):
    """The items `user` may see: all for PR staff, their department's for an officer."""
    query = select(VoiceItem)
    if not user.sees_all_departments:
        query = query.where(VoiceItem.department_id == user.department_id)
    return query


def item_light(item: VoiceItem, now=None) -> Light:
    return light(item.due_at, now or utcnow(), closed_at=item.answered_at)


@dataclass
class Inbox:
    items: list[VoiceItem]
    lights: dict[int, Light]
    counts: Counter = field(default_factory=Counter)
    total: int = 0  # the items the filters keep, on every page
    page: int = 1
    pages: int = 1

    def numbers(self, around: int = 3) -> list[int | None]:
        """The page numbers to link: the first, the last and those near this one; None
        stands for the gap between them."""
        near = range(max(1, self.page - around), min(self.pages, self.page + around) + 1)
        shown = sorted({1, self.pages, *near})
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def inbox(
    user: User, *, status: VoiceStatus | None = None, mine: bool = False, page: int = 1
) -> Inbox:
    """One page of items, open first, oldest due first; with each item's light, the counts by
    status and how many pages the filters make (a page past the last shows the last)."""
    query = visible(user)
    rows = query.subquery()
    by_status = select(rows.c.status, func.count()).group_by(rows.c.status)
    counted = Counter({status: n for status, n in db.session.execute(by_status)})
    if status is not None:
        query = query.where(VoiceItem.status == status)
    if mine:
        query = query.where(VoiceItem.officer_id == user.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    query = query.order_by(VoiceItem.status == VoiceStatus.DONE, VoiceItem.due_at, VoiceItem.id)
    query = query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    items = list(db.session.scalars(query))
    now = utcnow()
    lights = {item.id: item_light(item, now) for item in items}
    return Inbox(items, lights, counted, total=total, page=page, pages=pages)


def item_for_token(token: str) -> VoiceItem:
    """The item a resident's status link names; anything else is a plain 404."""
    item = db.session.scalar(select(VoiceItem).where(VoiceItem.token == token))
    if item is None:
        raise NotFound("")
    return item


def public_comments(item: VoiceItem) -> list:
    """What the resident's page shows: never a staff-only note."""
    return [comment for comment in item.comments if not comment.staff_only]


@dataclass(frozen=True)
class LightRow:
    department: str
    officer: str
    lights: Counter


def lights_by_officer(user: User) -> list[LightRow]:
    """Open items' lights per department and officer (응답소's traffic light), late first."""
    query = visible(user).where(VoiceItem.status != VoiceStatus.DONE)
    query = query.where(VoiceItem.department_id.is_not(None))
    rows: dict[tuple[str, str], Counter] = {}
    now = utcnow()
    for item in db.session.scalars(query):
        officer = item.officer.name if item.officer else ""
        rows.setdefault((item.department.name_ko, officer), Counter())[item_light(item, now)] += 1
    shown = [LightRow(d, o, lights) for (d, o), lights in rows.items()]
    return sorted(
        shown, key=lambda r: (-r.lights[Light.LATE], -r.lights[Light.DUE_SOON], r.department)
    )
