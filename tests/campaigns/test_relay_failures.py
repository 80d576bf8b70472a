"""One recipient never stops a campaign; a relay that refuses everyone uses up nobody's attempts."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pcrm.campaigns.backoff import relay_delay
from pcrm.campaigns.batches import TemporarySendError
from pcrm.campaigns.launch import batch_ranges
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.reconcile import reconcile_campaign
from pcrm.campaigns.sending import send_batch
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import BULK
from pcrm.subscribers.models import Subscriber
from tests.campaigns.factories import launched_campaign, send_all


def _messages(campaign) -> dict[int, Message]:
    db.session.expire_all()
    rows = db.session.scalars(select(Message).where(Message.campaign_id == campaign.id))
    return {m.subscriber_id: m for m in rows}


def _set(person: Subscriber, **values) -> None:
    db.session.execute(update(Subscriber).where(Subscriber.id == person.id).values(**values))
    db.session.commit()


def _wait_is_over(campaign) -> None:
    """As if the campaign's wait for the relay had passed."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(
        update(Campaign).where(Campaign.id == campaign.id).values(relay_retry_at=past)
    )
    db.session.commit()


def test_an_address_smtp_cannot_carry_fails_alone_and_the_batch_goes_on(relay):
    campaign, people = launched_campaign(4)
    _set(people[1], email="홍길동@example.kr")
    _set(people[2], email="resident2@예시.한국")  # a Unicode domain goes as punycode
    assert send_all(campaign) == 4
    assert sorted(relay.recipients) == sorted(
        ["resident0@example.com", "resident2@xn--vv4b11d.xn--3e0b707e", "resident3@example.com"]
    )
    messages = _messages(campaign)
    failed = messages[people[1].id]
    assert failed.status is MessageStatus.FAILED and failed.address == "홍길동@example.kr"
    assert "@ 앞부분에 영문이 아닌 글자" in failed.last_error
    assert {messages[p.id].status for p in (people[0], people[2], people[3])} == {
        MessageStatus.SENT
    }
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT


def test_a_template_that_fails_for_one_recipient_fails_that_message_alone(relay):
    campaign, people = launched_campaign(3, subject="{{ name[2] }}님께 설문")
    _set(people[1], name="김")  # a one-letter name: name[2] does not exist
    assert send_all(campaign) == 3
    assert sorted(relay.recipients) == ["resident0@example.com", "resident2@example.com"]
    failed = _messages(campaign)[people[1].id]
    assert failed.status is MessageStatus.FAILED
    assert failed.last_error.startswith("메일 내용을 만들 수 없습니다")
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT


def test_a_relay_refusing_everyone_uses_no_attempt_and_the_campaign_waits(relay, app):
    relay.refuse_all = "451 4.3.0 try again later"
    campaign, _people = launched_campaign(5)
    first, last = batch_ranges(campaign.id)[0]
    send_batch(campaign.id, first, last)
    messages = _messages(campaign).values()
    assert {(m.status, m.attempts) for m in messages} == {(MessageStatus.QUEUED, 0)}
    assert all("메일 서버가 지금은 메일을 받지 않습니다" in m.last_error for m in messages)
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENDING and campaign.waits_for_relay
    assert campaign.relay_failures == 1 and "451" in campaign.relay_error
    first_wait = campaign.relay_retry_at - utcnow()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)

    # While it waits, a batch job claims nothing and the reconciler queues nothing.
    assert send_batch(campaign.id, first, last) == 0
    queues.get(BULK).empty()
    assert reconcile_campaign(campaign.id) == 0 and len(queues.get(BULK)) == 0

    _wait_is_over(campaign)
    send_batch(campaign.id, first, last)  # refused again: the next wait is twice as long
    db.session.refresh(campaign)
    assert campaign.relay_failures == 2
    assert campaign.relay_retry_at - utcnow() > timedelta(seconds=110)
    assert {m.attempts for m in _messages(campaign).values()} == {0}

    relay.refuse_all = None
    _wait_is_over(campaign)
    assert reconcile_campaign(campaign.id) == 1  # the batch goes again once the wait is over
    assert send_batch(campaign.id, first, last) == 5
    assert len(relay.recipients) == 5
    assert {(m.status, m.attempts) for m in _messages(campaign).values()} == {
        (MessageStatus.SENT, 1)
    }
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT
    assert campaign.relay_failures == 0 and campaign.relay_retry_at is None


def test_a_dead_relay_uses_no_attempt_and_the_campaign_waits(relay, app):
    port = app.config["MAIL_PORT"]
    relay.down()  # nothing listens
    campaign, _people = launched_campaign(3)
    first, last = batch_ranges(campaign.id)[0]
    send_batch(campaign.id, first, last)
    messages = _messages(campaign).values()
    assert {(m.status, m.attempts) for m in messages} == {(MessageStatus.QUEUED, 0)}
    assert all("메일 서버에 연결할 수 없거나" in m.last_error for m in messages)
    db.session.refresh(campaign)
    assert campaign.waits_for_relay and campaign.relay_failures == 1

    relay.up(port)
    _wait_is_over(campaign)
    assert send_batch(campaign.id, first, last) == 3
    assert len(relay.recipients) == 3
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT and campaign.relay_failures == 0


def test_a_temporary_refusal_of_one_recipient_among_accepted_ones_is_their_attempt(relay):
    relay.answers["resident0@example.com"] = "452 4.2.2 mailbox full"
    campaign, people = launched_campaign(3)
    with pytest.raises(TemporarySendError):  # RQ retries the batch for the deferred message
        send_all(campaign)
    message = _messages(campaign)[people[0].id]
    assert message.status is MessageStatus.QUEUED and message.attempts == 1
    assert "mailbox full" in message.last_error
    db.session.refresh(campaign)
    assert not campaign.waits_for_relay and campaign.relay_failures == 0


def test_the_relay_wait_doubles_up_to_its_cap():
    waits = [relay_delay(n, first=60, cap=1800).total_seconds() for n in range(1, 8)]
    assert waits == [60, 120, 240, 480, 960, 1800, 1800]
    assert relay_delay(10_000, first=60, cap=1800) == timedelta(seconds=1800)


def test_a_stored_template_that_breaks_todays_rules_pauses_the_campaign_with_why(relay):
    campaign, _people = launched_campaign(3, body="{% include 'email/layout.html' %}")
    assert send_all(campaign) == 0
    assert relay.recipients == []
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.PAUSED
    assert "include" in campaign.transitions[-1].note
    assert {m.status for m in _messages(campaign).values()} == {MessageStatus.QUEUED}
