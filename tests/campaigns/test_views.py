import csv
import io
import re
from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select, update

from pcrm.auth.models import Role
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.launch import batch_ranges
from pcrm.campaigns.models import Campaign, CampaignStatus
from pcrm.campaigns.progress import Funnel, funnel
from pcrm.campaigns.recurrence import SEOUL
from pcrm.campaigns.sending import send_batch
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message
from pcrm.queue import URGENT
from pcrm.subscribers.models import AccessAction, AccessLog, Subscriber
from pcrm.surveys.service import close_survey
from tests.campaigns.factories import (
    create_campaign,
    create_segment,
    create_subscribers,
    create_survey_to_send,
    due_campaign,
)
from tests.factories import create_user
from tests.surveys.factories import create_bus_survey, publish


def test_department_staff_see_only_their_departments_campaigns(client, auth, office):
    ours = create_campaign(office["bus"], name="마을버스 조사")
    theirs = create_campaign(office["festival"], name="축제 조사")
    auth.login("bus@example.kr")
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "마을버스 조사" in page and "축제 조사" not in page
    assert client.get(f"/campaigns/{ours.id}").status_code == 200
    for path in ("", "/results", "/results.csv", "/preview", "/edit"):
        assert client.get(f"/campaigns/{theirs.id}{path}").status_code == 404


def _days_ahead(days: int) -> str:
    """A date in Seoul `days` from now, as the form's date part (inside the survey's 2 weeks)."""
    return (utcnow() + timedelta(days=days)).astimezone(SEOUL).date().isoformat()


def test_draft_request_and_approval_through_the_pages(client, auth, csrf_token, office):
    segment = create_segment()
    create_subscribers(3)
    survey = create_survey_to_send(office["bus"])
    auth.login("bus@example.kr")
    form = {
        "project_id": office["bus"].id, "name": "마을버스 노선 설문", "kind": "survey",
        "survey_id": survey.id, "segment_id": segment.id, "field_code": "",
        "subject": "설문 부탁드립니다", "body": "{{ name }}님 {{ survey_link }}",
        "send_at": f"{_days_ahead(2)}T10:00", "recurrence": "",
        "csrf_token": csrf_token("/campaigns/new"),
    }  # fmt: skip
    response = client.post("/campaigns/new", data=form)
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "3명" in page  # the live count of who would receive it
    assert survey.title in page and f"/surveys/{survey.id}/results" in page
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(f"/campaigns/{campaign.id}/request", data={"csrf_token": token})
    assert (
        client.post(
            f"/campaigns/{campaign.id}/review", data={"csrf_token": token, "decision": "approve"}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "승인하고 예약" in page and "검토 요청" in page and "requested<" not in page
    # The reviewer reads the mail as residents will, not the template.
    assert "받는 분이 보는 메일 (홍길동 님)" in page and "홍길동님 http" in page
    assert "{{ name }}" not in page
    assert "마을버스 노선 설문" in client.get("/campaigns/?status=requested").get_data(as_text=True)
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(
        f"/campaigns/{campaign.id}/review",
        data={"csrf_token": token, "decision": "approve", "note": "승인"},
    )
    db.session.refresh(campaign)
    assert campaign.status is CampaignStatus.SCHEDULED
    assert campaign.send_at.isoformat() == f"{_days_ahead(2)}T01:00:00+00:00"  # 10:00 in Seoul


def test_a_sending_campaign_shows_progress_that_refreshes_without_javascript(client, auth, office):
    campaign, _people = due_campaign(4)
    launch_due_campaigns()
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"/campaigns/{campaign.id}/progress" in page
    panel = client.get(f"/campaigns/{campaign.id}/progress").get_data(as_text=True)
    assert 'max="4" value="0"' in panel and 'http-equiv="refresh"' not in panel
    assert f"/campaigns/{campaign.id}/progress?auto=1" in panel  # the reader turns it on
    panel = client.get(f"/campaigns/{campaign.id}/progress?auto=1").get_data(as_text=True)
    assert 'http-equiv="refresh"' in panel


def test_results_list_every_recipient_with_a_readable_reason_and_export_safely(
    client, auth, office, relay
):
    relay.answers["resident1@example.com"] = "550 5.1.1 no such user"
    campaign, people = due_campaign(3)
    db.session.execute(
        update(Subscriber)
        .where(Subscriber.id == people[2].id)
        .values(name='=HYPERLINK("http://x")')
    )
    db.session.commit()
    launch_due_campaigns()
    for r in batch_ranges(campaign.id):
        send_batch(campaign.id, *r)
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "받는 사람 주소가 없습니다" in page
    failed = client.get(f"/campaigns/{campaign.id}/results?status=bounced_hard").get_data(
        as_text=True
    )
    assert "resident1@example.com" in failed and "resident0@example.com" not in failed
    found = client.get(f"/campaigns/{campaign.id}/results?q=resident2").get_data(as_text=True)
    assert "resident2@example.com" in found and "resident0@example.com" not in found
    export = client.get(f"/campaigns/{campaign.id}/results.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    assert len(rows) == 4
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names


def test_results_export_is_in_the_access_log(client, auth, office):
    campaign, _people = due_campaign(3)
    launch_due_campaigns()
    auth.login("pr@example.kr")
    client.get(f"/campaigns/{campaign.id}/results.csv").get_data()
    client.get(f"/campaigns/{campaign.id}/results.csv?q=resident2").get_data()
    entries = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
    assert [(e.action, e.record_count) for e in entries] == [
        (AccessAction.EXPORT, 3),
        (AccessAction.EXPORT, 1),
    ]
    assert campaign.name in entries[0].what and "q=resident2" in entries[1].what
    assert entries[0].actor.endswith("<pr@example.kr>")


def test_preview_per_recipient(client, auth, office):
    campaign, people = due_campaign(2)
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}/preview?subscriber={people[1].id}")
    html = page.get_data(as_text=True)
    assert "주민1님께 마을버스 설문" in html


def test_a_test_send_reaches_the_staff_address(client, auth, csrf_token, office, relay, caplog):
    campaign = create_campaign(office["bus"], segment=create_segment())
    auth.login("bus@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(
        f"/campaigns/{campaign.id}/test",
        data={"csrf_token": token, "address": "Culture@example.kr"},
    )
    queue = queues.get(URGENT)
    assert len(queue) == 1
    assert "culture@example.kr" not in queue.jobs[0].description.lower()
    with caplog.at_level("INFO"):
        SimpleWorker([queue], connection=queues.redis).work(burst=True)
    ((_sender, rcpt, mail, _at),) = relay.received
    assert rcpt == "culture@example.kr" and mail["Subject"].startswith("[테스트] ")
    assert db.session.scalars(select(Message)).all() == []
    sent = [r.getMessage() for r in caplog.records if "test e-mail" in r.getMessage()]
    assert sent and "cu*****@example.kr" in sent[0] and "culture@example.kr" not in sent[0]


@pytest.mark.parametrize("address", ["me@sd.go.kr", "resident0@example.com", "gone@example.kr"])
def test_a_test_send_to_anyone_but_active_staff_is_refused(
    client, auth, csrf_token, office, relay, address
):
    create_subscribers(1)
    create_user("gone@example.kr", Role.DEPARTMENT, office["bus"].department).active = False
    db.session.commit()
    campaign = create_campaign(office["bus"], segment=create_segment())
    auth.login("bus@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    response = client.post(
        f"/campaigns/{campaign.id}/test",
        data={"csrf_token": token, "address": address},
        follow_redirects=True,
    )
    assert "사용 중인 직원 계정의 메일 주소로만 보낼 수 있습니다" in response.get_data(as_text=True)
    assert len(queues.get(URGENT)) == 0
    SimpleWorker([queues.get(URGENT)], connection=queues.redis).work(burst=True)
    assert relay.received == []


@pytest.mark.parametrize(
    ("address", "queued", "said"),
    [("홍길동@sd.go.kr", 0, "영문 외 문자가 있는 이메일 주소는 받을 수 없습니다"),
     ("me@성동.한국", 1, "테스트 메일을 보냈습니다")],
)  # fmt: skip
def test_a_test_send_address_follows_the_registry_rule(
    client, auth, csrf_token, office, relay, address, queued, said
):
    create_user("me@xn--2q1b16w.xn--3e0b707e", Role.PR)  # a staff address, stored as SMTP has it
    campaign = create_campaign(office["bus"], segment=create_segment())
    auth.login("bus@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    data = {"csrf_token": token, "address": address}
    response = client.post(f"/campaigns/{campaign.id}/test", data=data, follow_redirects=True)
    assert said in response.get_data(as_text=True)
    queue = queues.get(URGENT)
    assert len(queue) == queued
    SimpleWorker([queue], connection=queues.redis).work(burst=True)
    assert [rcpt for _sender, rcpt, _mail, _at in relay.received] == (
        ["me@xn--2q1b16w.xn--3e0b707e"] if queued else []
    )


def test_the_form_offers_the_surveys_that_can_be_sent(client, auth, office):
    open_survey = create_survey_to_send(office["bus"])
    draft = create_bus_survey(office["bus"], title="아직 초안인 설문")
    closed = close_survey(publish(create_bus_survey(office["bus"], title="마감한 설문")))
    theirs = create_survey_to_send(office["festival"])
    auth.login("bus@example.kr")
    page = client.get("/campaigns/new").get_data(as_text=True)
    options = dict(re.findall(r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', page))
    assert str(open_survey.id) in options and "성동 마을버스 운영" in options[str(open_survey.id)]
    assert not {str(s.id) for s in (draft, closed, theirs)} & set(options)


def test_a_campaign_held_for_its_closed_survey_says_why(client, auth, office):
    campaign, _people = due_campaign(2)
    close_survey(campaign.survey)
    launch_due_campaigns()
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "마감되어 초대할 수 없습니다" in page
    assert f"/campaigns/{campaign.id}/confirm" not in page  # nothing to confirm until it changes


def test_the_report_counts_people_against_delivered_mail_and_machines_apart(
    client, auth, office, relay
):
    relay.answers["resident3@example.com"] = "550 5.1.1 no such user"
    campaign, _people = due_campaign(4)
    launch_due_campaigns()
    for r in batch_ranges(campaign.id):
        send_batch(campaign.id, *r)
    db.session.execute(update(Message).values(sent_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    human, proxy = db.session.scalars(select(Message.token).order_by(Message.id).limit(2))
    client.get(f"/o/{human}.gif", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile/15E148"})
    client.get(f"/o/{proxy}.gif", headers={"User-Agent": "Mozilla/5.0"})  # Apple's proxy
    assert funnel(campaign.id) == Funnel(
        attempted=4, delivered=3, opened=1, machine_only=1, clicked=0, responded=0
    )
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}/results").get_data(as_text=True)
    assert "응답률 0.0%" in page and "발송한 4통 중" in page and "전달된 3통 중" in page
    assert "33.3%" in page  # one human open of three delivered


def test_the_requester_reads_why_it_was_sent_back_at_the_top(client, auth, csrf_token, office):
    campaign = create_campaign(office["bus"], status=CampaignStatus.REQUESTED)
    auth.login("pr@example.kr")
    token = csrf_token(f"/campaigns/{campaign.id}")
    client.post(
        f"/campaigns/{campaign.id}/review",
        data={"csrf_token": token, "decision": "changes", "note": "제목을 더 짧게 해 주세요."},
    )
    auth.logout()
    auth.login("bus@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    top = page.split("<h2", 1)[0]  # before the first section
    assert "수정 요청" in top and "제목을 더 짧게 해 주세요." in top


def test_four_eyes_the_requester_may_not_approve(app, client, auth, csrf_token, office):
    app.config["CAMPAIGN_REQUESTER_MAY_APPROVE"] = False
    try:
        from pcrm.auth.service import find_user
        from pcrm.campaigns.audit import record_transition

        campaign = create_campaign(office["bus"], status=CampaignStatus.REQUESTED)
        pr = find_user("pr@example.kr")
        record_transition(
            campaign.id, "requested", CampaignStatus.DRAFT, CampaignStatus.REQUESTED, actor=pr
        )
        db.session.commit()
        auth.login("pr@example.kr")
        token = csrf_token(f"/campaigns/{campaign.id}")
        response = client.post(
            f"/campaigns/{campaign.id}/review",
            data={"csrf_token": token, "decision": "approve"},
        )
        db.session.refresh(campaign)
        assert campaign.status is CampaignStatus.REQUESTED
        assert response.status_code == 403
        assert "검토를 요청한 사람은 승인할 수 없습니다" in response.get_data(as_text=True)
    finally:
        app.config["CAMPAIGN_REQUESTER_MAY_APPROVE"] = True
