"""Reminder waves on the campaign page: added and removed on a form, refused with reasons,
shown with when, to how many and who answered after."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import CampaignStatus, CampaignWave
from pcrm.campaigns.waves import materialise_due_waves
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.messaging.service import record_response
from pcrm.subscribers.models import AddressStatus
from tests.campaigns.factories import (
    create_campaign,
    create_segment,
    create_subscribers,
    due_campaign,
    send_all,
)
from tests.factories import create_department, create_project, create_user

pytestmark = pytest.mark.usefixtures("daytime")
SMS_TEXT = "{{ name }}님, 설문에 아직 답하지 않으셨다면 참여해 주세요 {{ survey_link }}"


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport")
    create_user("pr@example.kr", Role.PR)
    create_user("bus@example.kr", Role.DEPARTMENT, transport)
    return create_project(transport)


def waves() -> list[CampaignWave]:
    db.session.expire_all()
    return list(db.session.scalars(select(CampaignWave).order_by(CampaignWave.number)))


def post_reminder(client, csrf_token, campaign, **fields):
    data = {"csrf_token": csrf_token(f"/campaigns/{campaign.id}"), "channel": "email"}
    data |= {"subject": "[알림] 마을버스 설문", "body": "{{ name }}님 {{ survey_link }}"} | fields
    return client.post(f"/campaigns/{campaign.id}/reminders", data=data)


def test_pr_staff_add_an_sms_reminder_and_see_its_count_and_cost(client, auth, csrf_token, office):
    people = create_subscribers(3)
    for n, person in enumerate(people[:2]):
        person.phone, person.phone_status, person.sms_opt_in = (
            f"+82108888{n:04d}",
            AddressStatus.VALID,
            True,
        )
    db.session.commit()
    campaign = create_campaign(office, segment=create_segment(), status=CampaignStatus.SCHEDULED)
    auth.login("pr@example.kr")
    response = post_reminder(
        client, csrf_token, campaign, channel="sms", after_days="2", subject="", body=SMS_TEXT
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1차 알림을 추가했습니다." in page
    assert "SMS 0건, LMS 2건" in page or "SMS 2건, LMS 0건" in page
    assert "예상 비용" in page
    (wave,) = waves()
    assert (wave.number, wave.channel.value, wave.after_days) == (1, "sms", 2)
    assert "첫 발송 2일 뒤" in page and "2명" in page  # those reachable by SMS now


def test_an_sms_reminder_with_a_character_sms_cannot_carry_is_refused_naming_it(
    client, auth, csrf_token, office
):
    campaign = create_campaign(office, segment=create_segment(), status=CampaignStatus.SCHEDULED)
    auth.login("pr@example.kr")
    response = post_reminder(
        client,
        csrf_token,
        campaign,
        channel="sms",
        after_days="1",
        body="참여해 주세요 ✅ {{ survey_link }}",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "문자로 보낼 수 없는 글자가 있습니다" in page and "✅" in page
    assert waves() == []


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"after_days": "", "send_at": ""}, "하나만 정해 주세요"),
        ({"after_days": "1"}, None),  # the first is fine; the second one a day later too
    ],
)
def test_timing_is_checked(client, auth, csrf_token, office, fields, words):
    campaign = create_campaign(office, segment=create_segment(), status=CampaignStatus.SCHEDULED)
    auth.login("pr@example.kr")
    response = post_reminder(client, csrf_token, campaign, **fields)
    if words:
        assert response.status_code == 422 and words in response.get_data(as_text=True)
        assert waves() == []
    else:
        assert response.status_code == 302


def test_reminders_too_close_or_too_many_are_refused(client, auth, csrf_token, office, app):
    campaign = create_campaign(office, segment=create_segment(), status=CampaignStatus.SCHEDULED)
    auth.login("pr@example.kr")
    assert post_reminder(client, csrf_token, campaign, after_days="1").status_code == 302
    close = post_reminder(client, csrf_token, campaign, after_days="1")
    assert close.status_code == 422
    assert "24시간 이상 떨어져야 합니다" in close.get_data(as_text=True)
    for days in ("2", "3"):
        assert post_reminder(client, csrf_token, campaign, after_days=days).status_code == 302
    too_many = post_reminder(client, csrf_token, campaign, after_days="5")
    assert too_many.status_code == 422
    assert "알림은 3번까지" in too_many.get_data(as_text=True)
    assert [w.after_days for w in waves()] == [1, 2, 3]


def test_the_department_changes_reminders_only_before_approval(client, auth, csrf_token, office):
    draft = create_campaign(office, segment=create_segment())
    approved = create_campaign(office, segment=create_segment(), status=CampaignStatus.APPROVED)
    auth.login("bus@example.kr")
    assert post_reminder(client, csrf_token, draft, after_days="1").status_code == 302
    assert post_reminder(client, csrf_token, approved, after_days="1").status_code == 403
    assert [w.campaign_id for w in waves()] == [draft.id]
    assert "알림 추가" not in client.get(f"/campaigns/{approved.id}").get_data(as_text=True)


def test_a_scheduled_reminder_is_removed_and_a_sent_one_is_not(
    client, auth, csrf_token, office, relay
):
    campaign, _people = due_campaign(2)
    auth.login("pr@example.kr")
    for days in ("1", "2"):
        assert post_reminder(client, csrf_token, campaign, after_days=days).status_code == 302
    launch_due_campaigns()
    send_all(campaign)
    db.session.refresh(campaign)
    materialise_due_waves(now=campaign.launched_at + timedelta(days=1, minutes=1))
    token = csrf_token(f"/campaigns/{campaign.id}")
    sent = client.post(f"/campaigns/{campaign.id}/reminders/1/remove", data={"csrf_token": token})
    assert "이미 보낸 알림은 지울 수 없습니다" in client.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    client.post(f"/campaigns/{campaign.id}/reminders/2/remove", data={"csrf_token": token})
    assert [w.number for w in waves()] == [1]
    assert (
        client.post(
            f"/campaigns/{campaign.id}/reminders/9/remove", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert client.post(f"/campaigns/{campaign.id}/reminders", data={}).status_code in (400, 422)


def test_the_page_shows_who_a_sent_reminder_reached_and_who_answered_after_it(
    client, auth, csrf_token, office, relay
):
    campaign, _people = due_campaign(3)
    db.session.add(
        CampaignWave(
            campaign_id=campaign.id,
            number=1,
            channel="email",
            after_days=1,
            subject="알림",
            body="{{ survey_link }}",
        )
    )
    db.session.commit()
    launch_due_campaigns()
    send_all(campaign)
    db.session.refresh(campaign)
    materialise_due_waves(now=campaign.launched_at + timedelta(days=1, minutes=1))
    send_all(campaign)
    reminder = db.session.scalar(select(Message).where(Message.wave == 1).limit(1))
    record_response(reminder)
    db.session.commit()
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    row = page[page.index("1차</td>") :].split("</tr>")[0]
    assert "3명" in row and "1명" in row and "보냄" in row
    assert (
        db.session.scalar(select(func.count()).select_from(Message).where(Message.wave == 1)) == 3
    )


def test_a_reminder_of_a_draft_without_a_segment_counts_nobody_yet(
    client, auth, csrf_token, office
):
    create_subscribers(2)
    draft = create_campaign(office)
    auth.login("bus@example.kr")
    assert post_reminder(client, csrf_token, draft, after_days="2").status_code == 302
    page = client.get(f"/campaigns/{draft.id}").get_data(as_text=True)
    row = page[page.index("1차</td>") :].split("</tr>")[0]
    assert "0명" in row
