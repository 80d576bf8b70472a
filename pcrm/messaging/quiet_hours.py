"""Quiet hours: no SMS reaches the provider at night (21:00 to 08:00 in Seoul by default).

Pure functions of the instant passed in: callers pass `now`, so tests need no frozen clock.
The window may cross midnight (21:00-08:00) or not (00:00-06:00); equal ends mean no window.
Times are aware datetimes in any zone; answers are in UTC, as the database stores them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def parse_clock(value: str) -> time:
    """ "21:00" -> time(21, 0); ValueError on anything else."""
    clock = time.fromisoformat(value.strip())
    if clock.tzinfo is not None:
        raise ValueError(f"a local clock time without a zone, not {value!r}")
    return clock


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = SEOUL

    @classmethod
    def from_config(cls, config: Mapping) -> "QuietHours":
        """From SMS_QUIET_START and SMS_QUIET_END ("HH:MM", Asia/Seoul)."""
        return cls(parse_clock(config["SMS_QUIET_START"]), parse_clock(config["SMS_QUIET_END"]))

    def is_quiet(self, instant: datetime) -> bool:
        """Whether no SMS may go at this instant."""
        clock = self._local(instant).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def sending_may_start(self, instant: datetime) -> datetime:
        """The first instant at or after `instant` when SMS may go: itself, or the window's end."""
        if not self.is_quiet(instant):
            return instant.astimezone(UTC)
        local = self._local(instant)
        day = local.date()
        if local.time() >= self.end:  # in the evening part of a window crossing midnight
            day += timedelta(days=1)
        return self._at(day, self.end)

    def release(self, due: datetime, *, now: datetime) -> datetime:
        """When a wave due at `due` may go: not before now, and waiting out a quiet window."""
        return self.sending_may_start(max(due, now))

    def next_quiet_start(self, instant: datetime) -> datetime | None:
        """When sending that runs at `instant` must stop: the window's next start from then."""
        if self.start == self.end:
            return None
        local = self._local(instant)
        day = local.date() if local.time() <= self.start else local.date() + timedelta(days=1)
        return self._at(day, self.start)

    def _local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("quiet hours need an aware datetime (UTC or with a zone)")
        return instant.astimezone(self.zone)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)
