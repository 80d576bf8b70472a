"""What waits and what goes: each channel's own backoff (a SENS outage or a 429 holds only the
texts), and quiet hours across the clock (no SMS reaches the provider from 21:00 to 08:00 in
Seoul, reminder e-mails keep the same window by default, the reconciler leaves held batches
alone until the window ends)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from pcrm.auth.models import Role
from pcrm.campaigns.models import Campaign
from pcrm.campaigns.reconcile import reconcile_campaigns
from pcrm.campaigns.waves import materialise_due_waves
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.messaging.quiet_hours import SEOUL
from pcrm.queue import BULK
from pcrm.subscribers.models import Channel
from tests.campaigns.factories import send_all
from tests.campaigns.test_sms_sending import launch_sms, messages
from tests.campaigns.test_waves import add_wave, day_after, launched
from tests.factories import create_user

pytestmark = pytest.mark.usefixtures("daytime")


def campaign_row(campaign) -> Campaign:
    db.session.expire_all()
    return db.session.get(Campaign, campaign.id)


def by_channel(campaign) -> dict[Channel, set[MessageStatus]]:
    found: dict[Channel, set[MessageStatus]] = {}
    for message in messages(campaign):
        if message.wave > 0:
            found.setdefault(message.channel, set()).add(message.status)
    return found


def test_a_sens_outage_holds_the_texts_of_a_campaign_but_not_its_e_mail(app, relay, sens):
    campaign, people = launched(2, relay)
    add_wave(campaign, number=1, channel=Channel.SMS, after_days=1)
    add_wave(campaign, number=2, channel=Channel.EMAIL, after_days=2)
    assert materialise_due_waves(now=day_after(campaign, days=3)) == 4
    sens.down = True
    send_all(campaign)
    assert by_channel(campaign) == {
        Channel.EMAIL: {MessageStatus.SENT},
        Channel.SMS: {MessageStatus.QUEUED},
    }
    assert len(relay.received) == 4  # the first e-mail and the reminder e-mail, two each
    texts = [m for m in messages(campaign) if m.channel is Channel.SMS]
    assert {m.attempts for m in texts} == {0}
    row = campaign_row(campaign)
    assert row.waits_for_sms_provider and not row.waits_for_relay
    assert reconcile_campaigns() == 0  # the texts wait for the provider, nothing else is owed
    sens.down = False
    db.session.execute(update(Campaign).values(sms_retry_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    send_all(campaign)
    assert by_channel(campaign)[Channel.SMS] == {MessageStatus.SENT}
    assert sorted(sens.accepted_to) == sorted(p.phone.replace("+82", "0") for p in people)


def test_a_dead_mail_relay_holds_the_e_mail_but_not_the_texts(app, relay, sens):
    campaign, _people = launched(2, relay)
    add_wave(campaign, number=1, channel=Channel.SMS, after_days=1)
    add_wave(campaign, number=2, channel=Channel.EMAIL, after_days=2)
    materialise_due_waves(now=day_after(campaign, days=3))
    relay.down()
    send_all(campaign)
    assert by_channel(campaign) == {
        Channel.EMAIL: {MessageStatus.QUEUED},
        Channel.SMS: {MessageStatus.SENT},
    }
    row = campaign_row(campaign)
    assert row.waits_for_relay and not row.waits_for_sms_provider


def test_a_429_is_honoured_for_as_long_as_sens_asks_and_costs_nobody_an_attempt(app, sens):
    sens.throttle, sens.retry_after = 100, "600"
    campaign, _people = launch_sms(3)
    started = utcnow()
    send_all(campaign)
    sent = messages(campaign)
    assert {m.status for m in sent} == {MessageStatus.QUEUED}
    assert {m.attempts for m in sent} == {0}
    row = campaign_row(campaign)
    assert row.waits_for_sms_provider and not row.waits_for_relay
    assert row.sms_retry_at - started >= timedelta(seconds=599)
    assert "너무 많다" in row.sms_error
    assert send_all(campaign) == 0 and reconcile_campaigns() == 0  # nothing before the wait ends
    sens.throttle = 0
    db.session.execute(update(Campaign).values(sms_retry_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert send_all(campaign) == 3
    assert {m.status for m in messages(campaign)} == {MessageStatus.SENT}
    assert {m.attempts for m in messages(campaign)} == {1}
    assert campaign_row(campaign).sms_failures == 0


def seoul(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def night_rule(app):
    """The default quiet hours, 21:00 to 08:00 in Seoul."""
    app.config.update(SMS_QUIET_START="21:00", SMS_QUIET_END="08:00")


def scheduled_at() -> list[datetime]:
    registry = queues.get(BULK).scheduled_job_registry
    return [registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()]


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (3, 0, True), (7, 59, True), (8, 0, False)],
)
def test_no_text_reaches_sens_in_the_quiet_hours_and_they_go_at_eight(
    app, sens, night_rule, hour, minute, quiet
):
    with time_machine.travel(seoul(hour, minute), tick=False) as clock:
        campaign, _people = launch_sms(2)
        sent = send_all(campaign)
        assert sent == (0 if quiet else 2)
        assert len(sens.accepted_to) == (0 if quiet else 2)
        if not quiet:
            return
        # The batch waits for 08:00 Seoul, and the reconciler leaves it alone till then.
        eight = seoul(8, 0) if hour < 8 else seoul(8, 0) + timedelta(days=1)
        assert [at.astimezone(SEOUL) for at in scheduled_at()] == [eight]
        queues.get(BULK).empty()  # the launch's job ran (send_all); none is waiting now
        clock.move_to(eight - timedelta(minutes=1))
        assert reconcile_campaigns() == 0 and queues.get(BULK).count == 0
        assert send_all(campaign) == 0 and sens.accepted_to == []
        assert {m.status for m in messages(campaign)} == {MessageStatus.QUEUED}
        # At 08:00 the batch is owed again: even if Redis lost the job queued for then, the
        # reconciler queues it.
        clock.move_to(eight)
        assert reconcile_campaigns() == 1
        assert send_all(campaign) == 2
        assert {m.status for m in messages(campaign)} == {MessageStatus.SENT}
        assert len(sens.accepted_to) == 2


@pytest.mark.parametrize(("keep_window", "sent_at_three"), [(True, 0), (False, 2)])
def test_reminder_e_mails_keep_the_quiet_hours_by_default(
    app, relay, night_rule, keep_window, sent_at_three
):
    app.config["REMINDER_EMAIL_QUIET_HOURS"] = keep_window
    with time_machine.travel(seoul(15, 0), tick=False) as clock:
        campaign, _people = launched(2, relay)
        add_wave(campaign, number=1, channel=Channel.EMAIL, after_days=1)
        clock.move_to(seoul(3, 0) + timedelta(days=2))
        assert materialise_due_waves() == 2
        assert send_all(campaign) == sent_at_three
        assert reconcile_campaigns() == 0
        clock.move_to(seoul(8, 0) + timedelta(days=2))
        send_all(campaign)
        reminders = db.session.scalars(
            select(Message).where(Message.campaign_id == campaign.id, Message.wave == 1)
        ).all()
        assert {m.status for m in reminders} == {MessageStatus.SENT}
    app.config["REMINDER_EMAIL_QUIET_HOURS"] = True


def test_a_campaign_waiting_for_the_sms_provider_says_so_and_when(client, auth):
    create_user("pr@example.kr", Role.PR)
    campaign, _people = launch_sms(2)
    campaign.sms_failures, campaign.sms_error = 1, "SENS가 받지 않았습니다 (503)"
    campaign.sms_retry_at = utcnow() + timedelta(minutes=2)
    db.session.commit()
    auth.login("pr@example.kr")
    panel = client.get(f"/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert "문자 발송만 잠시 멈췄습니다. 다음 시도:" in panel and "(503)" in panel
    assert "메일 서버가 지금 메일을 받지 않아" not in panel
    seoul = (campaign.sms_retry_at + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert f"다음 시도: {seoul}." in panel
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "문자 발송 업체 응답을 기다림" in listing and "메일 서버 응답을 기다림" not in listing
