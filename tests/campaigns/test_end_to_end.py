"""Campaigns through real RQ workers (subprocesses) and a real SMTP server, with faults."""

import os
import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.launch import batch_ranges
from pcrm.campaigns.models import Campaign, CampaignStatus, CampaignWave
from pcrm.campaigns.progress import funnel
from pcrm.campaigns.reconcile import reconcile_campaigns
from pcrm.campaigns.sending import send_batch
from pcrm.campaigns.waves import answered_after, materialise_due_waves
from pcrm.extensions import db, queues
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent, ConsentSource
from pcrm.surveys.models import Response
from tests.campaigns.factories import due_campaign
from tests.campaigns.workers import Workers, wait_for
from tests.factories import create_department, create_project
from tests.surveys.factories import answer_bus_survey, create_bus_survey, publish

pytestmark = pytest.mark.slow
# Claims renew every 2 s: a live batch on a loaded machine must never look dead.
STALE_AFTER = 8
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0"}


@pytest.fixture
def settings(app, database_url, redis_url, relay, monkeypatch):
    """The environment of the workers, and the same settings in the test's app."""
    monkeypatch.setitem(app.config, "CAMPAIGN_BATCH_SIZE", 5)
    monkeypatch.setitem(app.config, "CAMPAIGN_STALE_AFTER", STALE_AFTER)
    env = os.environ | {
        "PCRM_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "BASE_URL": app.config["BASE_URL"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "MAIL_TIMEOUT": "5",
        "CAMPAIGN_BATCH_SIZE": "5",
        "CAMPAIGN_STALE_AFTER": str(STALE_AFTER),
        "CAMPAIGN_RETRY_INTERVALS": "1,1,1,2,2,2,3,3",
    }
    return env


@pytest.fixture
def workers(settings):
    pool = Workers(settings)
    yield pool
    pool.stop_all()


def _status(campaign_id: int) -> CampaignStatus:
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    db.session.commit()  # a fresh snapshot at every poll
    return status


def _sent_count(campaign_id: int) -> int:
    n = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.campaign_id == campaign_id, Message.status == MessageStatus.SENT
        )
    )
    db.session.commit()
    return n


def _reconcile():
    reconcile_campaigns()
    db.session.commit()


def _assert_served_once(relay, people, allowed_duplicates=0):
    by_id = Counter(mail["Message-ID"] for _s, _r, mail, _a in relay.received)
    assert set(relay.recipients) == {p.email for p in people}
    assert sum(n - 1 for n in by_id.values()) <= allowed_duplicates
    assert len(by_id) == len(people)


def test_a_campaign_reaches_each_recipient_once_through_real_workers(
    app, workers, relay, client, sign_in
):
    campaign, people = due_campaign(23)
    launch_due_campaigns()
    workers.start(2)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    _assert_served_once(relay, people)
    _sender, rcpt, mail, _at = relay.received[0]
    token = db.session.scalar(select(Message.token).where(Message.address == rcpt))
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/u/{token}/one-click" in mail["List-Unsubscribe"]

    # The resident opens, follows the survey link from the e-mail, answers, and unsubscribes.
    message = db.session.scalar(select(Message).where(Message.token == token))
    message.sent_at = message.sent_at.replace(year=message.sent_at.year - 1)
    db.session.commit()
    resident = app.test_client()
    resident.get(f"/o/{token}.gif", headers=BROWSER)
    survey_page = _follow_survey_link(resident, mail)
    assert survey_page == f"/s/{token}"
    thanks = answer_bus_survey(resident, survey_page, campaign.survey, rating="5")
    assert "응답해 주셔서 감사합니다" in thanks
    one_click = app.test_client(use_cookies=False).post(
        f"/u/{token}/one-click", data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    db.session.refresh(message)
    assert message.opened_at and message.clicked_at and message.unsubscribed_at
    assert message.responded_at is not None
    response = db.session.scalar(select(Response))
    assert (response.message_id, response.subscriber_id) == (message.id, message.subscriber_id)
    assert {a.number for a in response.answers if a.number} == {5}
    events = db.session.scalars(select(Event.kind).where(Event.message_id == message.id)).all()
    assert events.count(EventKind.RESPONSE) == 1 and EventKind.CLICK in events
    entry = db.session.scalar(
        select(ConsentEvent).where(ConsentEvent.subscriber_id == message.subscriber_id)
    )
    assert entry.source is ConsentSource.ONE_CLICK

    # The campaign's report counts the response against the messages delivered.
    sign_in(Role.PR)
    report = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "응답률 4.3%" in report and "전달된 23통 중 1통에서 응답" in report


def test_an_anonymous_survey_answered_from_the_e_mail_keeps_no_link_to_the_person(app, relay):
    project = create_project(create_department())
    survey = publish(create_bus_survey(project, anonymous=True))
    campaign, _people = due_campaign(2, project=project, survey_id=survey.id)
    launch_due_campaigns()
    for first, last in batch_ranges(campaign.id):
        send_batch(campaign.id, first, last)
    resident = app.test_client()
    _sender, _rcpt, mail, _at = relay.received[0]
    survey_page = _follow_survey_link(resident, mail)
    assert "응답해 주셔서 감사합니다" in answer_bus_survey(resident, survey_page, survey)

    message = db.session.scalar(select(Message).where(Message.token == survey_page[3:]))
    assert message.responded_at is not None  # reminders will skip this person
    assert (
        db.session.scalar(select(func.count(Event.id)).where(Event.kind == EventKind.RESPONSE)) == 1
    )
    response = db.session.scalar(select(Response))
    assert response.message_id is None and response.subscriber_id is None
    assert response.age_band is None and response.gender is None and response.dong_id is None
    assert funnel(campaign.id).responded == 1


def _follow_survey_link(resident, mail) -> str:
    """Click the e-mail's survey link (its text part) as a phone would; the page it leads to."""
    text = mail.get_body(("plain",)).get_content()
    link = next(url for url in re.findall(r"http://pcrm\.test(/c/\S+)", text) if url.endswith("/0"))
    redirect = resident.get(link, headers=BROWSER)
    assert redirect.status_code == 302
    return redirect.headers["Location"].removeprefix("http://pcrm.test")


def test_a_worker_killed_mid_campaign_loses_at_most_the_message_in_flight(settings, workers, relay):
    settings["MAIL_SEND_RATE"] = "12"
    campaign, people = due_campaign(30)
    launch_due_campaigns()
    (first,) = workers.start(1)
    wait_for(lambda: _sent_count(campaign.id) >= 7, timeout=30)
    workers.kill(first)
    workers.start(1)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=90, tick=_reconcile)
    _assert_served_once(relay, people, allowed_duplicates=1)


def test_an_smtp_outage_delays_the_campaign_and_loses_nothing(app, settings, workers, relay):
    # Take the relay down: the port stays the same, nothing listens on it for a while.
    port = app.config["MAIL_PORT"]
    campaign, people = due_campaign(12)
    launch_due_campaigns()
    relay.down()
    workers.start(1)
    wait_for(lambda: _any_error(campaign.id), timeout=30)
    assert relay.received == []
    relay.up(port)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=90, tick=_reconcile)
    _assert_served_once(relay, people)


def test_redis_flushed_mid_campaign_is_rebuilt_from_the_database(settings, workers, relay):
    settings["MAIL_SEND_RATE"] = "15"
    campaign, people = due_campaign(40)
    launch_due_campaigns()
    workers.start(1)
    wait_for(lambda: _sent_count(campaign.id) >= 5, timeout=30)
    queues.redis.flushdb()
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=90, tick=_reconcile)
    _assert_served_once(relay, people)


def _any_error(campaign_id: int) -> bool:
    found = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.campaign_id == campaign_id, Message.last_error.is_not(None)
        )
    )
    db.session.commit()
    return bool(found)


def test_an_email_reminder_then_a_day_later_an_sms_reminder_reach_only_non_respondents(
    app, settings, workers, relay, monkeypatch
):
    for key, value in {"SMS_QUIET_START": "00:00", "SMS_QUIET_END": "00:00"}.items():
        settings[key] = value
        monkeypatch.setitem(app.config, key, value)
    campaign, people = due_campaign(6)
    for n, person in enumerate(people):
        person.phone, person.phone_status = f"+82106666{n:04d}", AddressStatus.VALID
        person.sms_opt_in, person.sms_consented_at = True, person.email_consented_at
    for number, channel, days in ((1, Channel.EMAIL, 1), (2, Channel.SMS, 2)):
        db.session.add(
            CampaignWave(
                campaign_id=campaign.id, number=number, channel=channel, after_days=days,
                subject="[알림] 마을버스 설문", body="{{ name }}님, 설문 {{ survey_link }}",
            )
        )  # fmt: skip
    db.session.commit()
    launch_due_campaigns()
    workers.start(2)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    launched_at = db.session.get(Campaign, campaign.id).launched_at

    # Two answer the invitation through its survey link.
    invitations = {rcpt: mail for _s, rcpt, mail, _a in relay.received}
    for person in people[:2]:
        resident = app.test_client()
        page = _follow_survey_link(resident, invitations[person.email])
        assert "응답해 주셔서 감사합니다" in answer_bus_survey(resident, page, campaign.survey)
    relay.received.clear()

    # A day later: the e-mail reminder goes to the four others.
    assert materialise_due_waves(now=launched_at + timedelta(days=1, minutes=1)) == 4
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    assert sorted(relay.recipients) == sorted(p.email for p in people[2:])
    reminders = {rcpt: mail for _s, rcpt, mail, _a in relay.received}
    resident = app.test_client()
    page = _follow_survey_link(resident, reminders[people[2].email])
    answer_bus_survey(resident, page, campaign.survey)
    assert answered_after(db.session.get(Campaign, campaign.id), 1) == 1

    # The clock moves a day: the SMS reminder goes to the three still silent, by text only.
    assert materialise_due_waves(now=launched_at + timedelta(days=2, minutes=1)) == 3
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    texts = db.session.scalars(
        select(Message).where(Message.campaign_id == campaign.id, Message.wave == 2)
    ).all()
    assert {(m.channel, m.status) for m in texts} == {(Channel.SMS, MessageStatus.SENT)}
    assert sorted(m.subscriber_id for m in texts) == sorted(p.id for p in people[3:])
    assert materialise_due_waves(now=launched_at + timedelta(days=5)) == 0
    channels = db.session.execute(
        select(Message.wave, Message.channel, func.count())
        .where(Message.campaign_id == campaign.id)
        .group_by(Message.wave, Message.channel)
    ).all()
    assert sorted(channels) == [(0, Channel.EMAIL, 6), (1, Channel.EMAIL, 4), (2, Channel.SMS, 3)]
