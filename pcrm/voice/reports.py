"""Residents' voice in figures, in the shape the offices report: per month, department,
channel and officer, received / information given / resolved / refused / long-term / in
progress, the share answered, the median time to answer and the late rate (민원 처리 지연율).

An item the resident withdrew has its own column, 주민 철회: it was received (so received is
still the sum of the columns) but the office gave no answer, so counting it as resolved or
refused would misstate the office's work, and as in progress would leave it open for ever. It
is left out of the share answered and of the time to answer; it counts as late if it was still
open past its due date when withdrawn."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.labels import label
from pcrm.spreadsheets import csv_bytes, xlsx_bytes
from pcrm.voice.deadlines import SEOUL
from pcrm.voice.models import Outcome, VoiceItem
from pcrm.voice.queries import visible

GROUPINGS = {
    "month": _l("월별"),
    "department": _l("부서별"),
    "channel": _l("경로별"),
    "officer": _l("담당자별"),
}
FORMATS = ("csv", "xlsx")


@dataclass
class Row:
    """The counts of one group; merged duplicates are left out (answered with their original)."""

    name: str
    received: int = 0
    outcomes: dict = field(default_factory=dict)
    hours: list = field(default_factory=list)  # time to answer of each answered item
    late: int = 0

    @property
    def withdrawn(self) -> int:
        return self.outcomes.get(Outcome.WITHDRAWN, 0)

    @property
    def in_progress(self) -> int:
        return self.received - sum(self.outcomes.values())

    @property
    def answered_share(self) -> float | None:
        """Answered over what could be answered (a withdrawn item could not)."""
        answerable = self.received - self.withdrawn
        return (sum(self.outcomes.values()) - self.withdrawn) / answerable if answerable else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.hours) / 24 if self.hours else None

    @property
    def late_rate(self) -> float | None:
        """Late (answered after the due date, or open past it) over everything received."""
        return self.late / self.received if self.received else None


def _key(grouping: str) -> Callable[[VoiceItem], str]:
    return {
        "month": lambda i: i.created_at.astimezone(SEOUL).strftime("%Y-%m"),
        "department": lambda i: i.department.name_ko if i.department else _("미배정"),
        "channel": lambda i: label(i.channel),
        "officer": lambda i: i.officer.name if i.officer else _("미지정"),
    }[grouping]


def _add(row: Row, item: VoiceItem, now: datetime) -> None:
    row.received += 1
    if item.outcome is not None and item.answered_at is not None:
        row.outcomes[item.outcome] = row.outcomes.get(item.outcome, 0) + 1
    if item.outcome not in (None, Outcome.WITHDRAWN) and item.answered_at is not None:
        row.hours.append((item.answered_at - item.created_at).total_seconds() / 3600)
    if (item.answered_at or now) > item.due_at:
        row.late += 1


def report(user: User, *, year: int, grouping: str) -> tuple[list[Row], Row]:
    """Rows for the year (Seoul) by `grouping`, and the total; what `user` may see only."""
    start = datetime(year, 1, 1, tzinfo=SEOUL).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=SEOUL).astimezone(UTC)
    query = visible(user).where(VoiceItem.created_at >= start, VoiceItem.created_at < end)
    query = query.where(VoiceItem.duplicate_of_id.is_(None))
    rows: dict[str, Row] = {}
    total, key, now = Row(_("합계")), _key(grouping), utcnow()
    for item in db.session.scalars(query.order_by(VoiceItem.created_at)):
        name = key(item)
        _add(rows.setdefault(name, Row(name)), item, now)
        _add(total, item, now)
    ordered = list(rows.values())
    if grouping in ("department", "officer"):  # the yearly awards' ranking
        ordered.sort(key=lambda r: (r.late_rate or 0, -(r.answered_share or 0), r.median_days or 0))
    return ordered, total


COLUMNS = (
    _l("구분"), _l("접수"), _l("정보 제공"), _l("해결"), _l("불가"), _l("장기 추진"),
    _l("주민 철회"), _l("처리 중"), _l("답변 비율"), _l("답변까지 걸린 날 (중앙값)"), _l("지연율"),
)  # fmt: skip


def cells(row: Row) -> list:
    def share(value):
        return "" if value is None else round(value * 100, 1)

    counts = [row.outcomes.get(o, 0) for o in (Outcome.INFORMATION, Outcome.RESOLVED)]
    counts += [row.outcomes.get(o, 0) for o in (Outcome.REFUSED, Outcome.LONG_TERM)]
    median = "" if row.median_days is None else round(row.median_days, 1)
    return [row.name, row.received, *counts, row.withdrawn, row.in_progress,
            share(row.answered_share), median, share(row.late_rate)]  # fmt: skip


def export(user: User, *, year: int, grouping: str, fmt: str) -> tuple[str, str, bytes]:
    """(file name, mimetype, bytes) of the report as CSV or XLSX."""
    rows, total = report(user, year=year, grouping=grouping)
    header = [str(c) for c in COLUMNS]
    lines = [cells(r) for r in [*rows, total]]
    name = f"voice-{year}-{grouping}"
    if fmt == "xlsx":
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return f"{name}.xlsx", mimetype, xlsx_bytes(header, lines, title=_("주민 의견"))
    return f"{name}.csv", "text/csv; charset=utf-8", csv_bytes(header, lines)
