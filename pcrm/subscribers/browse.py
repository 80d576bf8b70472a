"""Finding subscribers: search, filters, sort and keyset pages that stay fast at 100,000 rows.

Pages are cut by the sort key (keyset), not by OFFSET, so page 2,000 costs what page 1 costs.
"""

import base64
import json
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, not_, select, tuple_
from sqlalchemy.orm import selectinload, undefer

from pcrm.extensions import db
from pcrm.inputs import LARGEST_INT, like_pattern
from pcrm.subscribers import choices
from pcrm.subscribers.audience import Criteria, conditions
from pcrm.subscribers.models import AddressStatus, Subscriber

PAGE_SIZE = 50
PHONE_LIKE = re.compile(r"^[\d\s\-+().]+$")

STATUSES = {
    "email_valid": lambda: Subscriber.email_status == AddressStatus.VALID,
    "email_pending": lambda: Subscriber.email_status == AddressStatus.PENDING,
    "email_bounced": lambda: Subscriber.email_status == AddressStatus.BOUNCED,
    "email_invalid": lambda: Subscriber.email_status == AddressStatus.INVALID,
    "phone_valid": lambda: Subscriber.phone_status == AddressStatus.VALID,
    "phone_invalid": lambda: Subscriber.phone_status.in_(
        (AddressStatus.INVALID, AddressStatus.BOUNCED)
    ),
    # Opted out of everything, against someone who never agreed (an import without consent).
    "unsubscribed": lambda: (
        not_(Subscriber.email_opt_in | Subscriber.sms_opt_in) & Subscriber.opted_out
    ),
    "no_consent": lambda: (
        not_(Subscriber.email_opt_in | Subscriber.sms_opt_in) & not_(Subscriber.opted_out)
    ),
}
# sort name -> (key columns, ascending)
SORTS = {
    "newest": ((Subscriber.id,), False),
    "oldest": ((Subscriber.id,), True),
    "name": ((Subscriber.name, Subscriber.id), True),
}


@dataclass(frozen=True)
class Browse:
    """What staff asked for: audience criteria plus a search, an address status and a sort."""

    criteria: Criteria = field(default_factory=Criteria)
    q: str = ""
    status: str = ""
    sort: str = "newest"


@dataclass
class Page:
    rows: list[Subscriber]
    total: int
    next_cursor: str | None
    prev_cursor: str | None


def search_condition(q: str) -> ColumnElement[bool] | None:
    """An e-mail, a phone number (any way it is written) or a name, whichever `q` looks like."""
    q = q.strip()
    if not q:
        return None
    if "@" in q:
        return Subscriber.email.like(like_pattern(q.lower()), escape="\\")
    digits = re.sub(r"\D", "", q)
    if PHONE_LIKE.match(q) and len(digits) >= 3:
        # Stored as +8210...: the national trunk 0 is not part of it.
        return Subscriber.phone.like(like_pattern(digits.removeprefix("0")), escape="\\")
    return Subscriber.name.ilike(like_pattern(q), escape="\\")


def browse_conditions(browse: Browse) -> list[ColumnElement[bool]]:
    where = conditions(browse.criteria)
    searched = search_condition(browse.q)
    if searched is not None:
        where.append(searched)
    if browse.status in STATUSES:
        where.append(STATUSES[browse.status]())
    return where


def total(browse: Browse) -> int:
    query = select(func.count()).select_from(Subscriber).where(*browse_conditions(browse))
    return db.session.scalar(query)


def encode_cursor(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()


def decode_cursor(cursor: str | None, columns) -> tuple | None:
    """The key a cursor carries, or None if absent or not one of ours (a tampered URL)."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != len(columns):
        return None
    if not all(_fits(value, column) for value, column in zip(values, columns, strict=True)):
        return None
    return tuple(values)


def _fits(value, column) -> bool:
    """Is `value` one the column can be compared with? A tampered cursor may carry anything."""
    if column.type.python_type is int:
        return type(value) is int and 0 <= value <= LARGEST_INT
    return isinstance(value, str) and "\x00" not in value


def _key(row: Subscriber, columns) -> tuple:
    return tuple(getattr(row, column.key) for column in columns)


def _keyset(query: Select, columns, ascending: bool, key: tuple | None, forward: bool) -> Select:
    """Rows after (forward) or before `key` in the sort order, nearest first."""
    upward = ascending == forward
    if key is not None:
        left, right = tuple_(*columns), tuple_(*key)
        query = query.where(left > right if upward else left < right)
    return query.order_by(*(c.asc() if upward else c.desc() for c in columns))


def page(
    browse: Browse, *, after: str | None = None, before: str | None = None, size: int = PAGE_SIZE
) -> Page:
    """One page of subscribers, with cursors to the next and previous pages."""
    columns, ascending = SORTS.get(browse.sort, SORTS["newest"])
    after_key = decode_cursor(after, columns)
    before_key = decode_cursor(before, columns) if after_key is None else None
    forward = before_key is None
    query = select(Subscriber).where(*browse_conditions(browse))
    query = query.options(selectinload(Subscriber.dong), undefer(Subscriber.opted_out))
    query = _keyset(query, columns, ascending, after_key if forward else before_key, forward)
    rows = list(db.session.scalars(query.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size] if forward else list(reversed(rows[:size]))
    first = encode_cursor(_key(rows[0], columns)) if rows else None
    last = encode_cursor(_key(rows[-1], columns)) if rows else None
    has_next = more if forward else bool(rows)
    has_prev = (after_key is not None) if forward else more
    return Page(
        rows=rows,
        total=total(browse),
        next_cursor=last if has_next and rows else None,
        prev_cursor=first if has_prev and rows else None,
    )


def describe(browse: Browse) -> str:
    """The filter in words, for the access log ("관심분야: 문화, 여론조사 · 동: 성수1가1동")."""
    c = browse.criteria
    dimensions = (
        (_("관심분야"), c.fields, dict(choices.field_choices())),
        (_("연령대"), c.age_bands, dict(choices.AGE_BANDS)),
        (_("성별"), c.genders, dict(choices.GENDERS)),
        (_("동"), c.dong_ids, dict(choices.dong_choices()) if c.dong_ids else {}),
        (_("구분"), c.kinds, dict(choices.KINDS)),
        (_("업종"), c.business_types, dict(choices.business_type_choices())),
        (_("연락 가능한 수단"), c.channels, dict(choices.CHANNELS)),
        (_("주소 상태"), (browse.status,) if browse.status else (), dict(choices.STATUSES)),
    )
    parts = [
        f"{name}: {', '.join(str(words.get(v, v)) for v in values)}"
        for name, values, words in dimensions
        if values
    ]
    if len(c.fields) > 1 and c.fields_match == "all":
        parts[0] += " " + _("(모두 해당)")
    parts += [_("검색어: %(q)s", q=browse.q)] if browse.q else []
    return " · ".join(parts) or _("전체")


def matching_ids(browse: Browse) -> Select:
    """Ids of every subscriber the browse matches, in id order (for exports)."""
    return select(Subscriber.id).where(and_(*browse_conditions(browse))).order_by(Subscriber.id)
