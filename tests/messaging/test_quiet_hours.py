"""Quiet hours: no SMS between 21:00 and 08:00 in Seoul, across any clock value and date."""

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from pcrm.config import ConfigError, from_environment
from pcrm.messaging.quiet_hours import SEOUL, QuietHours

NIGHT = QuietHours()


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (seoul(2026, 11, 30, 20, 59, 59), False),
        (seoul(2026, 11, 30, 21, 0), True),
        (seoul(2026, 11, 30, 23, 59, 59), True),
        (seoul(2026, 12, 1, 0, 0), True),
        (seoul(2026, 12, 1, 7, 59, 59, 999999), True),
        (seoul(2026, 12, 1, 8, 0), False),
        (seoul(2026, 12, 1, 12, 0), False),
    ],
)
def test_an_instant_is_quiet_from_21_00_until_08_00_seoul_time(local, quiet):
    assert NIGHT.is_quiet(local) is quiet
    assert NIGHT.is_quiet(local.astimezone(UTC)) is quiet  # the zone it comes in does not matter


def test_utc_instants_are_read_in_seoul_time():
    assert NIGHT.is_quiet(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # 21:00 in Seoul
    assert not NIGHT.is_quiet(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # 08:00 next day
    assert NIGHT.is_quiet(datetime(2026, 11, 30, 22, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    ("due", "goes"),
    [
        (seoul(2026, 11, 30, 20, 59), seoul(2026, 11, 30, 20, 59)),
        (seoul(2026, 11, 30, 21, 0), seoul(2026, 12, 1, 8, 0)),
        (seoul(2026, 11, 30, 23, 30), seoul(2026, 12, 1, 8, 0)),
        (seoul(2026, 12, 1, 0, 0), seoul(2026, 12, 1, 8, 0)),
        (seoul(2026, 12, 1, 7, 59), seoul(2026, 12, 1, 8, 0)),
        (seoul(2026, 12, 1, 8, 0), seoul(2026, 12, 1, 8, 0)),
        # month and year ends, and the end of February in a leap year
        (seoul(2026, 12, 31, 22, 0), seoul(2027, 1, 1, 8, 0)),
        (seoul(2027, 1, 1, 3, 0), seoul(2027, 1, 1, 8, 0)),
        (seoul(2026, 4, 30, 21, 0), seoul(2026, 5, 1, 8, 0)),
        (seoul(2028, 2, 28, 21, 30), seoul(2028, 2, 29, 8, 0)),
        (seoul(2027, 2, 28, 21, 30), seoul(2027, 3, 1, 8, 0)),
    ],
)
def test_a_wave_due_in_the_window_waits_for_its_end(due, goes):
    assert NIGHT.sending_may_start(due) == goes
    assert NIGHT.release(due, now=due - timedelta(days=1)) == goes
    assert NIGHT.sending_may_start(due).tzinfo is UTC


def test_a_wave_overdue_goes_now_or_when_the_night_ends():
    due = seoul(2026, 11, 30, 10, 0)
    assert NIGHT.release(due, now=seoul(2026, 11, 30, 15, 0)) == seoul(2026, 11, 30, 15, 0)
    assert NIGHT.release(due, now=seoul(2026, 11, 30, 22, 0)) == seoul(2026, 12, 1, 8, 0)


def test_a_wave_sending_in_the_evening_stops_at_21_00():
    assert NIGHT.next_quiet_start(seoul(2026, 12, 31, 20, 15)) == seoul(2026, 12, 31, 21, 0)
    assert NIGHT.next_quiet_start(seoul(2026, 12, 31, 21, 0)) == seoul(2026, 12, 31, 21, 0)
    assert NIGHT.next_quiet_start(seoul(2026, 12, 31, 21, 1)) == seoul(2027, 1, 1, 21, 0)
    assert NIGHT.next_quiet_start(seoul(2027, 1, 1, 8, 0)) == seoul(2027, 1, 1, 21, 0)


def test_every_minute_of_a_day_agrees_with_the_rule():
    start = seoul(2026, 12, 31, 0, 0)
    for minute in range(24 * 60):
        instant = start + timedelta(minutes=minute)
        quiet = instant.hour >= 21 or instant.hour < 8
        assert NIGHT.is_quiet(instant) is quiet
        goes = NIGHT.sending_may_start(instant)
        assert not NIGHT.is_quiet(goes) and goes >= instant
        assert goes == instant or goes.astimezone(SEOUL).time() == time(8, 0)


def test_a_window_within_one_day_and_an_empty_window():
    early = QuietHours(time(0, 0), time(6, 0))
    assert early.is_quiet(seoul(2026, 12, 1, 0, 0)) and not early.is_quiet(seoul(2026, 12, 1, 6, 0))
    assert not early.is_quiet(seoul(2026, 11, 30, 23, 59))
    assert early.sending_may_start(seoul(2026, 12, 1, 5, 0)) == seoul(2026, 12, 1, 6, 0)
    never = QuietHours(time(21, 0), time(21, 0))
    assert not never.is_quiet(seoul(2026, 12, 1, 21, 0))
    assert never.next_quiet_start(seoul(2026, 12, 1, 21, 0)) is None


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="aware"):
        NIGHT.is_quiet(datetime(2026, 12, 1, 22, 0))


def test_instants_in_other_zones_are_compared_in_seoul_time():
    new_york = timezone(timedelta(hours=-5))
    assert NIGHT.is_quiet(datetime(2026, 12, 1, 7, 0, tzinfo=new_york))  # 21:00 in Seoul


def test_the_window_is_configurable(tmp_path):
    config = from_environment(tmp_path, {"SMS_QUIET_START": "22:30", "SMS_QUIET_END": "07:00"})
    hours = QuietHours.from_config(config)
    assert not hours.is_quiet(seoul(2026, 12, 1, 22, 29))
    assert hours.sending_may_start(seoul(2026, 12, 1, 22, 30)) == seoul(2026, 12, 2, 7, 0)
    assert QuietHours.from_config(from_environment(tmp_path, {})) == NIGHT


@pytest.mark.parametrize("value", ["9pm", "25:00", "21:00+09:00"])
def test_a_quiet_hour_that_is_not_a_time_stops_the_service_with_its_name(tmp_path, value):
    with pytest.raises(ConfigError, match="SMS_QUIET_START"):
        from_environment(tmp_path, {"SMS_QUIET_START": value})
