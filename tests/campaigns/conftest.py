"""Shared fixtures of the campaign tests: the SMTP relay, the fake SENS server, SMS quiet hours."""

from datetime import timedelta

import pytest

from pcrm.db import utcnow
from pcrm.messaging.quiet_hours import SEOUL
from tests.messaging.conftest import relay  # noqa: F401  (the SMTP relay fixture, shared)
from tests.messaging.fake_sens import FakeSens


@pytest.fixture
def daytime(app):
    """No quiet hours unless a test sets them; the 080 line configured."""
    saved = {k: app.config[k] for k in ("SMS_QUIET_START", "SMS_QUIET_END", "SMS_OPT_OUT_LINE")}
    app.config.update(
        SMS_QUIET_START="00:00", SMS_QUIET_END="00:00", SMS_OPT_OUT_LINE="무료수신거부 080-000-0000"
    )
    yield
    app.config.update(saved)


def quiet_around_now(app, *, before: int, after: int) -> None:
    """Quiet hours from `before` hours ago to `after` hours from now, in Seoul clock time."""
    now = utcnow().astimezone(SEOUL)
    app.config["SMS_QUIET_START"] = f"{(now - timedelta(hours=before)):%H:%M}"
    app.config["SMS_QUIET_END"] = f"{(now + timedelta(hours=after)):%H:%M}"


@pytest.fixture
def sens(app):
    """SMS through the fake SENS server."""
    fake = FakeSens()
    keys = ("SMS_PROVIDER", "SENS_ACCESS_KEY", "SENS_SECRET_KEY", "SENS_SERVICE_ID", "SENS_FROM")
    saved = {k: app.config.get(k) for k in (*keys, "SENS_BASE_URL", "SENS_MAX_ATTEMPTS")}
    app.config.update(
        SMS_PROVIDER="sens",
        SENS_ACCESS_KEY=fake.access_key,
        SENS_SECRET_KEY=fake.secret_key,
        SENS_SERVICE_ID=fake.service_id,
        SENS_FROM=fake.sender,
        SENS_BASE_URL=fake.start(),
        SENS_MAX_ATTEMPTS=1,
    )
    yield fake
    fake.stop()
    app.config.update(saved)
