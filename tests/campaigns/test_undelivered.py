"""A campaign that ends with undelivered messages says so, and PR staff can send them again."""

from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from pcrm.auth.models import Role
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.launch import batch_ranges
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.sending import send_batch
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import BULK
from pcrm.subscribers.models import Subscriber
from tests.campaigns.factories import due_campaign
from tests.factories import create_department, create_project, create_user


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport")
    create_user("pr@example.kr", Role.PR)
    create_user("bus@example.kr", Role.DEPARTMENT, transport)
    return create_project(transport)


def _set(person: Subscriber, **values) -> None:
    db.session.execute(update(Subscriber).where(Subscriber.id == person.id).values(**values))
    db.session.commit()


@pytest.fixture
def finished(office, relay, app, monkeypatch):
    """A sent campaign: 1 sent, then a hard bounce, a failure, a soft bounce and a suppressed."""
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    relay.answers["resident1@example.com"] = "550 5.1.1 no such user"
    relay.answers["resident3@example.com"] = "452 4.2.2 mailbox full"
    campaign, people = due_campaign(5)
    launch_due_campaigns()
    _set(people[2], email="홍길동@example.kr")
    _set(people[4], email_opt_in=False)  # unsubscribed after the launch
    for batch in batch_ranges(campaign.id):
        send_batch(campaign.id, *batch)
    queues.get(BULK).empty()  # the launch's jobs: done above
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SENT
    return campaign, people


def _statuses(campaign) -> dict[str, MessageStatus]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Subscriber.name, Message.status)
        .join(Subscriber)
        .where(Message.campaign_id == campaign.id)
    )
    return dict(rows.all())


def test_a_finished_campaign_shows_its_undelivered_messages_and_why(client, auth, finished):
    campaign, _people = finished
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "발송 완료 · 미전달 4건" in page
    assert "실패 1" in page and "일시 반송 1" in page and "영구 반송 1" in page
    assert "발송 제외 1" in page and "미전달 2건 다시 보내기" in page
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "미전달 4건" in listing
    failed = client.get(f"/campaigns/{campaign.id}/results?status=failed").get_data(as_text=True)
    assert "보내지 못했습니다: 메일 주소의 @ 앞부분에 영문이 아닌 글자" in failed
    assert "홍길동@example.kr" in failed and "resident0@example.com" not in failed


def test_retrying_sends_soft_bounces_and_failures_once(client, auth, csrf_token, finished, relay):
    campaign, people = finished
    _set(people[2], email="resident2@example.com")  # staff corrected the address
    del relay.answers["resident3@example.com"]
    auth.login("pr@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})
    client.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})  # double submit
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert (
        "미전달 메시지를 다시 보냅니다." in page and "다시 보낼 미전달 메시지가 없습니다." in page
    )
    queued = select(Message).where(Message.status == MessageStatus.QUEUED)
    again = db.session.scalars(queued).all()
    assert sorted(m.subscriber_id for m in again) == [people[2].id, people[3].id]
    assert {m.attempts for m in again} == {0} and len(queues.get(BULK)) == 1

    db.session.expire_all()  # the worker reads the campaign afresh, as its own process would
    SimpleWorker([queues.get(BULK)], connection=queues.redis).work(burst=True)
    assert sorted(relay.recipients) == [
        "resident0@example.com",
        "resident2@example.com",
        "resident3@example.com",
    ]
    assert _statuses(campaign) == {
        "주민0": MessageStatus.SENT,
        "주민1": MessageStatus.BOUNCED_HARD,
        "주민2": MessageStatus.SENT,
        "주민3": MessageStatus.SENT,
        "주민4": MessageStatus.SUPPRESSED,
    }
    assert db.session.get(Campaign, campaign.id).status is CampaignStatus.SENT
    client.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})
    assert len(queues.get(BULK)) == 0 and len(relay.recipients) == 3


def test_only_pr_staff_can_retry(client, auth, csrf_token, finished):
    campaign, _people = finished
    auth.login("bus@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "다시 보내기" not in page
    response = client.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/retry").status_code in (400, 403)
    assert MessageStatus.QUEUED not in _statuses(campaign).values()


def test_a_campaign_waiting_for_the_relay_says_so_and_when(client, auth, office):
    campaign, _people = due_campaign(2)
    launch_due_campaigns()
    campaign.relay_failures, campaign.relay_error = 1, "(451 try later)"
    campaign.relay_retry_at = utcnow() + timedelta(minutes=2)
    db.session.commit()
    auth.login("pr@example.kr")
    panel = client.get(f"/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert "메일 서버가 지금 메일을 받지 않아 발송을 잠시 멈췄습니다. 다음 시도:" in panel
    assert "451 try later" in panel
    assert "메일 서버 응답을 기다림" in client.get("/campaigns/").get_data(as_text=True)
    seoul = (campaign.relay_retry_at + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert f"다음 시도: {seoul}." in panel
