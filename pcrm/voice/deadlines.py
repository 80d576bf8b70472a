"""When an item is due and how late it runs, counted in Seoul days (pure: `now` passed in)."""

import enum
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from pcrm import labels
from pcrm.voice.models import VoiceChannel

SEOUL = ZoneInfo("Asia/Seoul")


class Light(enum.StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    LATE = "late"


LIGHT_LABELS = labels.register(
    {
        Light.ON_TIME: _l("기한 내"),
        Light.DUE_SOON: _l("기한 임박"),
        Light.LATE: _l("기한 초과"),
    }
)


def due_days(channel: VoiceChannel) -> int:
    days = current_app.config["VOICE_DUE_DAYS"]
    return days.get(channel.value, days["default"])


def due_at(received_at: datetime, channel: VoiceChannel) -> datetime:
    """The end of the Seoul day `due_days` after the day it was received (as 응답소 counts)."""
    day = received_at.astimezone(SEOUL).date() + timedelta(days=due_days(channel))
    return datetime.combine(day, time(23, 59, 59), tzinfo=SEOUL)


def light(due: datetime, now: datetime, *, closed_at: datetime | None = None) -> Light:
    """On time, due soon (within VOICE_DUE_SOON_DAYS Seoul days), or late; a closed item is
    judged by when it was answered."""
    when = closed_at or now
    if when > due:
        return Light.LATE
    if closed_at is None:
        soon = timedelta(days=current_app.config["VOICE_DUE_SOON_DAYS"])
        if due - when <= soon:
            return Light.DUE_SOON
    return Light.ON_TIME
