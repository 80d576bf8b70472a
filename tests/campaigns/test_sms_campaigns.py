"""SMS and mixed campaigns from the campaign form: drafted, approved, launched and sent through
real RQ workers, the SMTP relay and the fake SENS server; bad input refused on the form."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import Campaign, CampaignStatus, Delivery
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import AddressStatus, Channel
from tests.campaigns.factories import (
    create_segment,
    create_subscribers,
    create_survey_to_send,
    create_texters,
)
from tests.campaigns.test_end_to_end import settings, workers  # noqa: F401  (shared fixtures)
from tests.campaigns.workers import wait_for
from tests.messaging.fake_sens import FakeSens

pytestmark = pytest.mark.usefixtures("daytime")
SMS_BODY = "{{ name }}님, 마을버스 설문에 답해 주세요 {{ survey_link }}"


@pytest.fixture
def sens(app, settings, monkeypatch):  # noqa: F811
    """SMS through the fake SENS server, for this process and for the workers."""
    fake = FakeSens()
    values = {
        "SMS_PROVIDER": "sens",
        "SENS_ACCESS_KEY": fake.access_key,
        "SENS_SECRET_KEY": fake.secret_key,
        "SENS_SERVICE_ID": fake.service_id,
        "SENS_FROM": fake.sender,
        "SENS_BASE_URL": fake.start(),
        "SMS_QUIET_START": "00:00",
        "SMS_QUIET_END": "00:00",
        "SMS_OPT_OUT_LINE": "무료수신거부 080-000-0000",
    }
    for key, value in values.items():
        monkeypatch.setitem(app.config, key, value)
    settings.update(values)
    yield fake
    fake.stop()


def _form(project, *, delivery: str, survey=None, segment=None, **fields) -> dict:
    form = {
        "project_id": project.id, "name": "마을버스 문자 설문",
        "kind": "survey" if survey else "information", "delivery": delivery,
        "survey_id": survey.id if survey else 0, "segment_id": segment.id if segment else 0,
        "field_code": "" if survey else "living", "subject": "", "body": "",
        "sms_subject": "", "sms_body": SMS_BODY, "send_at": "", "recurrence": "",
    }  # fmt: skip
    return form | fields


def _post(client, csrf_token, form: dict):
    return client.post("/campaigns/new", data=form | {"csrf_token": csrf_token("/campaigns/new")})


def _error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


def _approve_now(client, auth, csrf_token, campaign_id: int) -> None:
    """The department requests review; the PR office approves it to go now."""
    token = csrf_token(f"/campaigns/{campaign_id}")
    assert (
        client.post(f"/campaigns/{campaign_id}/request", data={"csrf_token": token}).status_code
        == 302
    )
    auth.logout()
    auth.login("pr@example.kr")
    token = csrf_token(f"/campaigns/{campaign_id}")
    client.post(
        f"/campaigns/{campaign_id}/review",
        data={"csrf_token": token, "decision": "approve", "note": ""},
    )
    db.session.expire_all()
    assert db.session.get(Campaign, campaign_id).status is CampaignStatus.SCHEDULED


def _status(campaign_id: int) -> CampaignStatus:
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    db.session.commit()
    return status


def _messages(campaign_id: int) -> list[Message]:
    db.session.expire_all()
    query = select(Message).where(Message.campaign_id == campaign_id).order_by(Message.id)
    return list(db.session.scalars(query))


def _unreachable_by_text() -> None:
    """One with a number that bounced, one who said no to texts: neither gets an SMS."""
    bounced, refused = create_texters(2, prefix="못받는주민", start=50)
    bounced.phone_status = AddressStatus.INVALID
    refused.sms_opt_in = False
    db.session.commit()


@pytest.mark.slow
def test_an_sms_survey_invitation_from_the_form_reaches_the_texters_through_sens(
    client,
    auth,
    csrf_token,
    office,
    sens,
    workers,  # noqa: F811
):
    texters = create_texters(3)
    _unreachable_by_text()
    segment, survey = create_segment(), create_survey_to_send(office["bus"])
    auth.login("bus@example.kr")
    response = _post(
        client, csrf_token, _form(office["bus"], delivery="sms", survey=survey, segment=segment)
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.delivery, campaign.body) == (Delivery.SMS, SMS_BODY)
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "문자 3명" in page  # the two who cannot get a text are not counted
    # Each name at its real length: "문자주민0님, ..." is over 90 bytes with the opt-out lines.
    assert "SMS 0건, LMS 3건, 예상 비용 90원" in page
    # The text as a resident reads it, its links as long as real short links.
    link = "http://pcrm.test/r/XXXXXXXXXXX"
    assert f"홍길동님, 마을버스 설문에 답해 주세요 {link}\n수신거부 {link}\n무료수신거부" in page
    assert "테스트 메일 보내기" not in page  # an SMS campaign sends no e-mail
    _approve_now(client, auth, csrf_token, campaign.id)
    launch_due_campaigns()
    workers.start(2)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    sent = _messages(campaign.id)
    assert {(m.channel, m.wave) for m in sent} == {(Channel.SMS, 0)}
    # Gone out; a worker's scheduler polls SENS at start, so a text may be delivered already.
    assert {m.status.value for m in sent} <= {"sent", "delivered"}
    assert sorted(sens.accepted_to) == sorted(p.phone.replace("+82", "0") for p in texters)
    for content in sens.contents:
        assert re.search(r"님, 마을버스 설문에 답해 주세요 http://pcrm\.test/r/\w{11}\n", content)
        assert content.endswith("무료수신거부 080-000-0000")
    assert len(sens.accepted_to) == 3  # once each


@pytest.mark.slow
def test_a_mixed_campaign_writes_to_addresses_and_texts_those_with_only_a_phone(
    client,
    auth,
    csrf_token,
    office,
    sens,
    relay,
    workers,  # noqa: F811
):
    mailed = create_subscribers(2)  # e-mail only
    both = create_subscribers(1, prefix="both")[0]
    both.phone, both.phone_status, both.sms_opt_in = "+821077770000", AddressStatus.VALID, True
    both.sms_consented_at = utcnow() - timedelta(days=30)
    db.session.commit()
    texters = create_texters(2)  # a phone only
    _unreachable_by_text()
    segment, survey = create_segment(), create_survey_to_send(office["bus"])
    auth.login("bus@example.kr")
    form = _form(
        office["bus"], delivery="mixed", survey=survey, segment=segment,
        subject="{{ name }}님께 마을버스 설문", body="{{ name }}님 {{ survey_link }}",
    )  # fmt: skip
    assert _post(client, csrf_token, form).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "메일 3명 · 문자 2명" in page
    _approve_now(client, auth, csrf_token, campaign.id)
    launch_due_campaigns()
    workers.start(2)
    wait_for(lambda: _status(campaign.id) is CampaignStatus.SENT, timeout=60)
    by_channel = {}
    for message in _messages(campaign.id):
        by_channel.setdefault(message.channel, set()).add(message.subscriber_id)
        # Gone out; a worker's scheduler polls SENS at start, so a text may be delivered already.
        assert message.status.value in ("sent", "delivered")
    assert by_channel == {
        Channel.EMAIL: {p.id for p in [*mailed, both]},
        Channel.SMS: {p.id for p in texters},  # who has an address gets no text as well
    }
    # Staff addresses (…@example.kr) got the review's notices; residents the campaign.
    residents = [r for r in relay.recipients if not r.endswith("@example.kr")]
    assert sorted(residents) == sorted(p.email for p in [*mailed, both])
    assert sorted(sens.accepted_to) == sorted(p.phone.replace("+82", "0") for p in texters)
    assert all("마을버스 설문에 답해 주세요" in c for c in sens.contents)


def test_a_text_over_2000_bytes_is_refused_with_its_size_and_nothing_is_saved(
    client, auth, csrf_token, office
):
    auth.login("bus@example.kr")
    response = _post(client, csrf_token, _form(office["bus"], delivery="sms", sms_body="가" * 1001))
    assert response.status_code == 422
    error = _error(response, "sms_body")
    assert (
        "문자는 2,000바이트(LMS)까지 보낼 수 있습니다" in error
        and "한글 한 글자는 2바이트" in error
    )
    assert "가" * 1001 in response.get_data(True)  # the text is kept on the form to shorten
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_characters_a_text_cannot_carry_are_named_with_their_stand_in(
    client, auth, csrf_token, office
):
    auth.login("bus@example.kr")
    body = "설문 – 안내\u00a0드립니다 😀"
    response = _post(client, csrf_token, _form(office["bus"], delivery="sms", sms_body=body))
    assert response.status_code == 422
    error = _error(response, "sms_body")
    assert "문자로 보낼 수 없는 글자가 있습니다" in error
    assert "4번째 글자 '–'(EN DASH): '-'(으)로 바꾸세요" in error
    assert "NO-BREAK SPACE" in error and "GRINNING FACE): 지우세요" in error
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_the_text_the_chosen_way_of_sending_needs_is_required(client, auth, csrf_token, office):
    auth.login("bus@example.kr")
    response = _post(client, csrf_token, _form(office["bus"], delivery="sms", sms_body=""))
    assert response.status_code == 422
    assert _error(response, "sms_body") == "이 보낼 방법에는 꼭 써야 합니다."
    mixed = _form(office["bus"], delivery="mixed", subject="", body="")
    response = _post(client, csrf_token, mixed)
    assert _error(response, "subject") == "이 보낼 방법에는 꼭 써야 합니다."
    assert _error(response, "sms_body") == ""
    bad = _post(client, csrf_token, _form(office["bus"], delivery="fax"))
    assert bad.status_code == 422 and _error(bad, "delivery")
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_the_form_needs_its_csrf_token(client, auth, office):
    auth.login("bus@example.kr")
    response = client.post("/campaigns/new", data=_form(office["bus"], delivery="sms"))
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_an_sms_campaign_is_edited_as_a_text_and_stays_in_its_department(
    client, auth, csrf_token, office
):
    auth.login("bus@example.kr")
    _post(client, csrf_token, _form(office["bus"], delivery="sms"))
    campaign = db.session.scalar(select(Campaign))
    page = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="sms"|<input[^>]*value="sms"[^>]*checked', page)
    assert html.escape(SMS_BODY, quote=False) in page
    auth.logout()
    auth.login("culture@example.kr")
    for path in ("", "/edit"):
        assert client.get(f"/campaigns/{campaign.id}{path}").status_code == 404
    theirs = _post(client, csrf_token, _form(office["bus"], delivery="sms"))
    assert theirs.status_code == 422  # not a project they may choose
    assert db.session.scalar(select(func.count(Campaign.id))) == 1


def test_the_editor_rule_is_the_servers(client, auth, office):
    auth.login("bus@example.kr")
    rules = client.get("/campaigns/sms-rules.json").get_json()
    ranges = list(zip(rules["ranges"][::2], rules["ranges"][1::2], strict=True))
    assert ranges[0] == (0, 0x7F) and rules["sms_max"] == 90 and rules["lms_max"] == 2000
    assert any(first <= ord("똠") <= last for first, last in ranges)
    assert not any(first <= ord("–") <= last for first, last in ranges)
    assert rules["replacements"]["–"] == "-" and rules["names"]["–"] == "EN DASH"
