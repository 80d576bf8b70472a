"""Recurring campaigns: an RRULE read in the district's time, each occurrence its own campaign."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from pcrm.campaigns.audit import record_transition
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db

SEOUL = ZoneInfo("Asia/Seoul")
NEWSLETTER = "FREQ=MONTHLY;BYDAY=+2TH,+4TH"
PRESETS = (
    ("", _l("반복 안 함")),
    (NEWSLETTER, _l("매월 둘째·넷째 목요일 (구청 소식지)")),
    ("FREQ=WEEKLY", _l("매주 같은 요일")),
    ("FREQ=MONTHLY", _l("매월 같은 날")),
)
COPIED = ("project_id", "name", "kind", "survey_id", "created_by_id", "segment_id", "field_code")
COPIED += ("channel", "subject", "body")


WEEKDAYS = {
    "MO": _l("월요일"),
    "TU": _l("화요일"),
    "WE": _l("수요일"),
    "TH": _l("목요일"),
    "FR": _l("금요일"),
    "SA": _l("토요일"),
    "SU": _l("일요일"),
}
ORDINALS = {
    1: _l("첫째"),
    2: _l("둘째"),
    3: _l("셋째"),
    4: _l("넷째"),
    5: _l("다섯째"),
    -1: _l("마지막"),
}
BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def describe(rule: str) -> str:
    """A recurrence rule as staff read it ("매월 둘째·넷째 목요일"), never the raw RRULE."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    every = {
        "DAILY": _("매일"),
        "WEEKLY": _("매주"),
        "MONTHLY": _("매월"),
        "YEARLY": _("매년"),
    }.get(parts.get("FREQ", ""))
    if every is None:
        return _("사용자 정의 반복")
    if parts.get("INTERVAL", "1") != "1":
        every = _("%(n)s번에 한 번 (%(every)s 기준)", n=parts["INTERVAL"], every=every)
    days = [BYDAY.match(day) for day in parts.get("BYDAY", "").split(",") if day]
    if days and all(days):
        ordinals = sorted({int(m.group(1)) for m in days if m.group(1)}, key=lambda n: n % 100)
        names = list(dict.fromkeys(str(WEEKDAYS[m.group(2)]) for m in days))
        joined = pgettext("list separator", "·").join
        day_words = joined(str(ORDINALS.get(n, n)) for n in ordinals)
        on = f"{day_words} {joined(names)}".strip() if ordinals else joined(names)
        return _("%(every)s %(on)s", every=every, on=on)
    if parts.get("BYMONTHDAY"):
        return _("%(every)s %(day)s일", every=every, day=parts["BYMONTHDAY"])
    same = {"WEEKLY": _("같은 요일"), "DAILY": ""}.get(parts["FREQ"], _("같은 날"))
    return f"{every} {same}".strip()


class BadRule(ValueError):
    """Not a recurrence rule dateutil understands."""


def occurrences_after(rule: str, start: datetime, after: datetime, count: int = 1):
    """The next `count` occurrences (UTC) of `rule` anchored at `start`, strictly after `after`.

    The rule runs in Asia/Seoul, so "Thursday 10:00" stays Thursday 10:00 for residents.
    """
    try:
        recurrence = rrulestr(rule, dtstart=start.astimezone(SEOUL))
    except (ValueError, TypeError) as error:
        raise BadRule(str(error)) from None
    found, cursor = [], after.astimezone(SEOUL)
    while len(found) < count:
        cursor = recurrence.after(cursor)
        if cursor is None:
            break
        found.append(cursor.astimezone(after.tzinfo))
    return found


def first_occurrence(rule: str, start: datetime) -> datetime | None:
    """The first occurrence at or after `start` (the approved send time of a series)."""
    found = occurrences_after(rule, start, start - timedelta(seconds=1))
    return found[0] if found else None


def spawn_occurrence(series: Campaign) -> Campaign:
    """Create this occurrence as a campaign of its own (approved with its series) and move the
    series on to its next date; the caller commits and launches the occurrence."""
    when = series.send_at
    local = when.astimezone(SEOUL)
    occurrence = Campaign(**{name: getattr(series, name) for name in COPIED})
    occurrence.name = f"{series.name} ({local:%Y-%m-%d})"
    occurrence.parent_id, occurrence.send_at = series.id, when
    occurrence.status = CampaignStatus.SCHEDULED
    db.session.add(occurrence)
    db.session.flush()
    note = f"반복 캠페인 #{series.id}의 {local:%Y-%m-%d} 발송분"
    record_transition(occurrence.id, "spawned", None, CampaignStatus.SCHEDULED, note=note)
    following = occurrences_after(series.recurrence, when, max(when, utcnow()))
    series.send_at = following[0] if following else None
    if series.send_at is None:
        series.status = CampaignStatus.SENT
        record_transition(series.id, "series_ended", CampaignStatus.SCHEDULED, series.status)
    return occurrence
