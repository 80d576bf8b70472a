import time
from datetime import timedelta

import pytest
from rq.job import Job
from sqlalchemy import select, update

from pcrm.campaigns import service
from pcrm.campaigns.batches import TemporarySendError
from pcrm.campaigns.launch import batch_job_id, batch_ranges
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.reconcile import reconcile_campaign, reconcile_campaigns
from pcrm.campaigns.sending import send_batch
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus, SuppressionReason
from pcrm.messaging.rate import SendRate
from pcrm.messaging.service import suppress_address
from pcrm.queue import BULK
from pcrm.subscribers.models import ConsentEvent, ConsentSource
from pcrm.tracking.service import unsubscribe
from tests.campaigns.factories import create_user, launched_campaign, send_all


def _statuses(campaign) -> dict[str, MessageStatus]:
    rows = db.session.execute(
        select(Message.address, Message.status).where(Message.campaign_id == campaign.id)
    )
    return dict(rows.all())


def test_each_recipient_gets_one_personal_message_with_the_bulk_headers(relay):
    campaign, people = launched_campaign(3)
    assert send_all(campaign) == 3
    assert sorted(relay.recipients) == sorted(p.email for p in people)
    messages = {m.address: m for m in db.session.scalars(select(Message))}
    for sender, rcpt, mail, _at in relay.received:
        token = messages[rcpt].token
        assert sender == f"bounces+{token}@pcrm.local"  # VERP
        assert mail["List-Unsubscribe"] == (
            f"<http://pcrm.test/u/{token}/one-click>, "
            f"<mailto:unsubscribe+{token}@pcrm.local?subject=unsubscribe>"
        )
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Message-ID"] == messages[rcpt].provider_id
        assert mail["Message-ID"].endswith("@pcrm.local>")
        name = messages[rcpt].subscriber.name
        assert mail["Subject"] == f"{name}님께 마을버스 설문"
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert f"{name}님" in text and f"http://pcrm.test/c/{token}/0" in text
        assert f'src="http://pcrm.test/o/{token}.gif"' in html
        assert f"http://pcrm.test/u/{token}" in text and f"http://pcrm.test/p/{token}" in text
    assert len({mail["Message-ID"] for _s, _r, mail, _a in relay.received}) == 3
    assert campaign.status is CampaignStatus.SENT
    assert set(_statuses(campaign).values()) == {MessageStatus.SENT}


def test_running_a_batch_twice_sends_nothing_twice(relay):
    campaign, _people = launched_campaign(4)
    first, last = batch_ranges(campaign.id)[0]
    assert send_batch(campaign.id, first, last) == 4
    assert send_batch(campaign.id, first, last) == 0
    assert len(relay.received) == 4


def test_a_permanent_refusal_is_a_hard_bounce_with_its_reason(relay):
    relay.answers["resident1@example.com"] = "550 5.1.1 <resident1@example.com>: no such user"
    campaign, _people = launched_campaign(3)
    send_all(campaign)
    message = db.session.scalar(select(Message).where(Message.address == "resident1@example.com"))
    assert message.status is MessageStatus.BOUNCED_HARD and message.smtp_code == 550
    assert "no such user" in message.last_error and message.attempts == 1
    assert sorted(relay.recipients) == ["resident0@example.com", "resident2@example.com"]
    assert campaign.status is CampaignStatus.SENT


def test_a_temporary_refusal_is_retried_later_and_then_sent(relay):
    relay.answers["resident1@example.com"] = "451 4.7.1 greylisted, try again"
    campaign, _people = launched_campaign(3)
    first, last = batch_ranges(campaign.id)[0]
    with pytest.raises(TemporarySendError):
        send_batch(campaign.id, first, last)
    message = db.session.scalar(select(Message).where(Message.address == "resident1@example.com"))
    assert message.status is MessageStatus.QUEUED and message.attempts == 1
    assert "greylisted" in message.last_error and campaign.status is CampaignStatus.SENDING
    del relay.answers["resident1@example.com"]
    assert send_batch(campaign.id, first, last) == 1  # what RQ's Retry does
    assert sorted(relay.recipients) == [f"resident{n}@example.com" for n in range(3)]
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT


def test_temporary_refusals_give_up_after_the_attempt_limit(relay, app):
    relay.answers["resident0@example.com"] = "452 4.2.2 mailbox full"
    campaign, _people = launched_campaign(1)
    first, last = batch_ranges(campaign.id)[0]
    for _attempt in range(app.config["MAIL_MAX_ATTEMPTS"] - 1):
        with pytest.raises(TemporarySendError):
            send_batch(campaign.id, first, last)
    send_batch(campaign.id, first, last)
    message = db.session.scalar(select(Message))
    assert message.status is MessageStatus.BOUNCED_SOFT
    assert campaign.status is CampaignStatus.SENT


def test_the_send_rate_holds_in_every_second_across_workers(relay, app, monkeypatch):
    # When the limiter lets each message go (arrival times would add the relay's jitter).
    allowed, wait = [], SendRate.wait
    monkeypatch.setattr(
        SendRate, "wait", lambda self: (wait(self), allowed.append(time.monotonic()))
    )
    app.config["MAIL_SEND_RATE"] = 4
    try:
        campaign, _people = launched_campaign(9)
        SendRate(4, queues.url).wait()  # another worker's message, just before...
        time.sleep(0.7)  # ...the edge of a fixed one-second window
        send_all(campaign)
    finally:
        app.config["MAIL_SEND_RATE"] = 0
    assert len(relay.received) == 9 and len(allowed) == 10
    # Never 5 within one second, wherever the second starts. (Fixed windows let the 5th go
    # 0.3 s after the 1st; the slack below is for a loaded machine's scheduling.)
    assert all(allowed[n + 4] - allowed[n] >= 0.75 for n in range(len(allowed) - 4))


def test_a_paused_campaign_sends_nothing_until_resumed(relay):
    pr = create_user("pr@example.kr")
    campaign, _people = launched_campaign(3)
    service.pause(campaign, actor=pr)
    assert send_all(campaign) == 0 and relay.received == []
    queues.get(BULK).empty()  # as if a worker had run the queued batch (and found it paused)
    service.resume(campaign, actor=pr)
    assert reconcile_campaign(campaign.id) == 1  # resume's job: the batches come back
    assert len(queues.get(BULK)) == 1
    send_all(campaign)
    assert len(relay.received) == 3


def test_pausing_mid_batch_stops_after_the_message_in_hand(relay, app, monkeypatch):
    monkeypatch.setattr("pcrm.campaigns.batches.HEARTBEAT_SECONDS", 0)
    campaign, _people = launched_campaign(5)
    campaign_id = campaign.id

    def pause_after_first(_message):
        with app.app_context():
            db.session.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(status="paused")
            )
            db.session.commit()

    relay.on_data = pause_after_first
    send_all(campaign)
    assert len(relay.received) == 1
    counts = list(_statuses(campaign).values())
    assert counts.count(MessageStatus.SENT) == 1 and counts.count(MessageStatus.QUEUED) == 4


def test_cancelling_leaves_the_rest_unsent(relay):
    pr = create_user("pr@example.kr")
    campaign, _people = launched_campaign(3)
    service.cancel(campaign, actor=pr, reason="행사가 취소되었습니다")
    assert send_all(campaign) == 0 and relay.received == []
    assert set(_statuses(campaign).values()) == {MessageStatus.CANCELLED}


def test_an_unsubscribe_during_the_campaign_applies_at_once(relay):
    campaign, people = launched_campaign(3)
    message = db.session.scalar(select(Message).where(Message.subscriber_id == people[1].id))
    unsubscribe(message.token, scope="field", source=ConsentSource.ONE_CLICK)
    suppress_address(
        address="RESIDENT2@example.com",
        channel="email",
        reason=SuppressionReason.COMPLAINT,
        source="test",
    )
    send_all(campaign)
    assert relay.recipients == ["resident0@example.com"]
    statuses = _statuses(campaign)
    assert statuses["resident1@example.com"] is MessageStatus.SUPPRESSED
    assert statuses["resident2@example.com"] is MessageStatus.SUPPRESSED
    ledger = db.session.scalar(
        select(ConsentEvent).where(ConsentEvent.subscriber_id == people[1].id)
    )
    assert ledger.source is ConsentSource.ONE_CLICK and ledger.granted is False


def test_a_job_left_as_a_husk_after_a_flush_is_queued_again(relay, app):
    campaign, _people = launched_campaign(3)
    first, last = batch_ranges(campaign.id)[0]
    queues.redis.flushdb()
    # A worker's heartbeat after the flush recreates the job's hash without its data.
    husk = Job.key_for(batch_job_id(campaign.id, first, last))
    queues.redis.hset(husk, mapping={"status": "started", "last_heartbeat": "2026-11-22T00:00:00Z"})
    assert reconcile_campaign(campaign.id) == 1
    send_batch(campaign.id, first, last)
    assert len(relay.recipients) == 3


def test_a_job_taken_by_a_worker_that_died_before_starting_it_is_queued_again(relay, app):
    campaign, _people = launched_campaign(3)
    first, last = batch_ranges(campaign.id)[0]
    job_id = batch_job_id(campaign.id, first, last)
    bulk = queues.get(BULK)
    assert reconcile_campaign(campaign.id) == 0  # waiting in its queue: alive
    # A worker popped the job and was SIGKILLed before it marked it started: the
    # job still says "queued" but is in no queue, and RQ's clean-up passes over it.
    queues.redis.lrem(bulk.key, 0, job_id)
    job = Job.fetch(job_id, connection=queues.redis)
    job.enqueued_at = utcnow() - timedelta(seconds=app.config["CAMPAIGN_STALE_AFTER"] + 5)
    job.save()
    assert reconcile_campaign(campaign.id) == 1
    assert job_id in bulk.get_job_ids()
    send_batch(campaign.id, first, last)
    assert len(relay.recipients) == 3


def test_a_dead_batch_of_a_cancelled_campaign_stays_unsent(relay, app):
    campaign, _people = launched_campaign(3)
    long_ago = utcnow() - timedelta(seconds=app.config["CAMPAIGN_STALE_AFTER"] + 5)
    # A worker claimed the batch and died; then PR staff cancelled the campaign.
    db.session.execute(update(Message).values(status="sending", claimed_at=long_ago))
    db.session.execute(update(Campaign).values(status=CampaignStatus.CANCELLED))
    db.session.commit()
    assert reconcile_campaigns() == 0
    assert set(_statuses(campaign).values()) == {MessageStatus.CANCELLED}
    assert relay.recipients == []


def test_a_dead_batch_is_taken_back_by_the_reconciler(relay, app):
    campaign, _people = launched_campaign(3)
    first, last = batch_ranges(campaign.id)[0]
    long_ago = utcnow() - timedelta(seconds=app.config["CAMPAIGN_STALE_AFTER"] + 5)
    # A worker claimed the batch, sent one message, and died.
    db.session.execute(update(Message).values(status="sending", claimed_at=long_ago))
    db.session.execute(
        update(Message).where(Message.address == "resident0@example.com").values(status="sent")
    )
    db.session.commit()
    assert reconcile_campaign(campaign.id) == 1
    assert reconcile_campaign(campaign.id) == 0  # its job is queued now: nothing more to do
    send_batch(campaign.id, first, last)
    assert sorted(relay.recipients) == ["resident1@example.com", "resident2@example.com"]
