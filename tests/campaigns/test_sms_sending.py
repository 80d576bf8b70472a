"""The SMS batch engine: claim, consent again, render with short links and the free opt-out,
a provider call per 500 texts (the claim on the rest renewed between), outcomes in the ledger,
quiet hours kept."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pcrm.campaigns.jobs import launch_due_campaigns
from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.db import utcnow
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message, MessageStatus
from pcrm.queue import BULK
from pcrm.subscribers.models import AddressStatus, Channel, Subscriber
from tests.campaigns.conftest import quiet_around_now
from tests.campaigns.factories import create_campaign, create_segment, create_texters, send_all

pytestmark = pytest.mark.usefixtures("daytime")
SMS_BODY = "{{ name }}님, 마을버스 설문에 참여해 주세요 {{ survey_link }}"


def launch_sms(count=3, **kwargs) -> tuple[Campaign, list[Subscriber]]:
    people = create_texters(count)
    campaign = create_campaign(
        segment=create_segment(),
        status="scheduled",
        send_at=utcnow() - timedelta(seconds=1),
        channel=Channel.SMS,
        body=kwargs.pop("body", SMS_BODY),
        **kwargs,
    )
    launch_due_campaigns()
    return campaign, people


def messages(campaign) -> list[Message]:
    db.session.expire_all()
    query = select(Message).where(Message.campaign_id == campaign.id).order_by(Message.id)
    return list(db.session.scalars(query))


def outbox_text(app, provider_id: str) -> str:
    folder = Path(app.instance_path) / "outbox" / "sms"
    (path,) = folder.glob(f"*-{provider_id}.json")
    return json.loads(path.read_text())["text"]


def test_each_person_gets_one_text_with_their_survey_link_and_the_free_opt_out(app):
    campaign, people = launch_sms(3)
    assert send_all(campaign) == 3
    sent = messages(campaign)
    assert [m.status for m in sent] == [MessageStatus.SENT] * 3
    assert {(m.channel, m.wave) for m in sent} == {(Channel.SMS, 0)}
    assert sorted(m.address for m in sent) == sorted(p.phone for p in people)
    for message in sent:
        text = outbox_text(app, message.provider_id)
        links = {link.target.value: link.code for link in message.short_links}
        assert text.startswith(f"{message.subscriber.name}님, 마을버스 설문에 참여해 주세요 ")
        assert f"http://pcrm.test/r/{links['survey']}" in text
        assert text.endswith(
            f"수신거부 http://pcrm.test/r/{links['unsubscribe']}\n무료수신거부 080-000-0000"
        )
    assert send_all(campaign) == 0  # sending again sends nothing


def test_a_promotional_text_starts_with_the_advertising_mark_and_the_sender(app):
    campaign, _people = launch_sms(
        1, kind=CampaignKind.PROMOTIONAL, body="성수동 장터가 열립니다", field_code="survey"
    )
    send_all(campaign)
    (message,) = messages(campaign)
    text = outbox_text(app, message.provider_id)
    assert text.startswith("(광고)")
    sender = app.config["MAIL_DEFAULT_SENDER"].split("<")[0].strip()
    assert text.splitlines()[0] == f"(광고){sender}"
    assert "무료수신거부 080-000-0000" in text


def test_sens_is_told_which_texts_are_advertising(app, sens):
    promotional, _people = launch_sms(
        1, kind=CampaignKind.PROMOTIONAL, body="성수동 장터가 열립니다", field_code="survey"
    )
    send_all(promotional)
    information = create_campaign(
        segment=create_segment(),
        status="scheduled",
        send_at=utcnow() - timedelta(seconds=1),
        channel=Channel.SMS,
        body=SMS_BODY,
    )
    launch_due_campaigns()
    send_all(information)
    assert [body["contentType"] for body in sens.send_requests] == ["AD", "COMM"]
    assert sens.send_requests[0]["messages"][0]["content"].startswith("(광고)")


def test_someone_who_withdrew_sms_consent_after_launch_gets_nothing(app):
    campaign, people = launch_sms(2)
    db.session.execute(
        update(Subscriber).where(Subscriber.id == people[0].id).values(sms_opt_in=False)
    )
    db.session.commit()
    send_all(campaign)
    statuses = {m.subscriber_id: m.status for m in messages(campaign)}
    assert statuses == {people[0].id: MessageStatus.SUPPRESSED, people[1].id: MessageStatus.SENT}


def test_a_number_that_cannot_take_texts_fails_with_the_reason_and_is_marked_invalid(app):
    campaign, people = launch_sms(2)
    landline = "+8222860000"
    db.session.execute(
        update(Subscriber).where(Subscriber.id == people[0].id).values(phone=landline)
    )
    db.session.commit()
    send_all(campaign)
    by_person = {m.subscriber_id: m for m in messages(campaign)}
    assert by_person[people[0].id].status is MessageStatus.FAILED
    assert "휴대전화 번호가 아닙니다" in by_person[people[0].id].last_error
    assert by_person[people[1].id].status is MessageStatus.SENT
    assert db.session.get(Subscriber, people[0].id).phone_status is AddressStatus.INVALID


@pytest.mark.parametrize(("before", "after"), [(1, 1), (0, 3), (10, 1)])
def test_no_text_reaches_the_provider_in_quiet_hours_and_the_batch_waits_for_their_end(
    app, before, after
):
    quiet_around_now(app, before=before, after=after)
    campaign, _people = launch_sms(2)
    assert send_all(campaign) == 0
    assert {m.status for m in messages(campaign)} == {MessageStatus.QUEUED}
    assert all(m.provider_id is None and m.attempts == 0 for m in messages(campaign))
    scheduled = queues.get(BULK).scheduled_job_registry
    (job_id,) = scheduled.get_job_ids()
    at = scheduled.get_scheduled_time(job_id)
    expected = (utcnow() + timedelta(hours=after)).replace(second=0, microsecond=0)
    assert abs(at.replace(tzinfo=None) - expected.replace(tzinfo=None)) < timedelta(minutes=1)
    # At the window's end the batch goes.
    app.config.update(SMS_QUIET_START="00:00", SMS_QUIET_END="00:00")
    assert send_all(campaign) == 2
    assert {m.status for m in messages(campaign)} == {MessageStatus.SENT}


def test_an_sms_provider_down_costs_nobody_an_attempt_and_the_campaign_waits(app, sens):
    campaign, people = launch_sms(2)
    sens.down = True
    send_all(campaign)
    sent = messages(campaign)
    assert {m.status for m in sent} == {MessageStatus.QUEUED}
    assert {m.attempts for m in sent} == {0}
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).waits_for_sms_provider
    sens.down = False
    db.session.execute(update(Campaign).values(sms_retry_at=None))
    db.session.commit()
    send_all(campaign)
    assert {m.status for m in messages(campaign)} == {MessageStatus.SENT}
    assert sorted(sens.accepted_to) == sorted(p.phone.replace("+82", "0") for p in people)


def test_a_batch_texts_a_provider_call_at_a_time_and_keeps_its_claim_on_the_rest(
    app, sens, monkeypatch
):
    from pcrm.campaigns import sms_batches
    from pcrm.messaging.sms import SmsSession

    monkeypatch.setattr(sms_batches, "PER_CALL", 2)
    monkeypatch.setattr(sms_batches, "HEARTBEAT_SECONDS", 0)  # as if each call took long
    campaign, _people = launch_sms(5)
    long_ago = utcnow() - timedelta(hours=1)
    send_many, calls = SmsSession.send_many, []

    def slow_then_down(session, texts):
        # The call's own messages (the one before may still be recording its outcomes).
        claimed = (
            select(Message.claimed_at)
            .join(Subscriber, Subscriber.id == Message.subscriber_id)
            .where(Subscriber.phone.in_([text.to for text in texts]))
        )
        calls.append((len(texts), min(db.session.scalars(claimed))))
        # The first call takes an hour (the claims age); the provider is down for the second.
        db.session.execute(update(Message).values(claimed_at=long_ago))
        db.session.commit()
        sens.down = len(calls) == 2
        return send_many(session, texts)

    monkeypatch.setattr(SmsSession, "send_many", slow_then_down)
    send_all(campaign)
    (first, _), (second, renewed) = calls[:2]
    assert (first, second) == (2, 2)
    assert renewed > long_ago  # the reconciler would have seen a live batch
    statuses = [m.status for m in messages(campaign)]
    assert statuses == [MessageStatus.SENT] * 2 + [MessageStatus.QUEUED] * 3
    assert {m.attempts for m in messages(campaign)[2:]} == {0}
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).waits_for_sms_provider


def test_a_429_mid_batch_stops_the_texts_not_yet_sent_and_none_goes_twice(app, sens, monkeypatch):
    from pcrm.campaigns import sms_batches
    from pcrm.messaging.sms import SmsSession

    monkeypatch.setattr(sms_batches, "PER_CALL", 2)
    campaign, people = launch_sms(5)
    send_many, calls = SmsSession.send_many, []

    def throttled_second(session, texts):
        calls.append(len(texts))
        if len(calls) == 2:  # the next call's texts are prepared while this one is out
            sens.throttle, sens.retry_after = 1, "600"
        return send_many(session, texts)

    monkeypatch.setattr(SmsSession, "send_many", throttled_second)
    send_all(campaign)
    assert calls == [2, 2]  # no third call after the provider asked to wait
    statuses = [m.status for m in messages(campaign)]
    assert statuses == [MessageStatus.SENT] * 2 + [MessageStatus.QUEUED] * 3
    assert [m.attempts for m in messages(campaign)] == [1, 1, 0, 0, 0]
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).waits_for_sms_provider
    db.session.execute(update(Campaign).values(sms_retry_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert send_all(campaign) == 3
    assert sorted(sens.accepted_to) == sorted(p.phone.replace("+82", "0") for p in people)


def test_the_campaign_page_shows_what_the_texts_brought(app, client, auth):
    from pcrm.auth.models import Role
    from pcrm.messaging.models import ShortLink, ShortTarget
    from tests.factories import create_user

    create_user("pr@example.kr", role=Role.PR)
    campaign, _people = launch_sms(3)
    send_all(campaign)
    db.session.execute(update(Message).values(sent_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    first, second, _third = messages(campaign)
    code = db.session.scalar(
        select(ShortLink.code).where(
            ShortLink.message_id == first.id, ShortLink.target == ShortTarget.SURVEY
        )
    )
    phone = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148"}
    assert client.get(f"/r/{code}", headers=phone).status_code == 302
    db.session.execute(
        update(Message).where(Message.id == second.id).values(status=MessageStatus.FAILED)
    )
    db.session.execute(update(Message).where(Message.id == first.id).values(responded_at=utcnow()))
    db.session.commit()
    auth.login("pr@example.kr")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    texts = page.split("문자 반응 (사람만 셈)", 1)[1].split("</table>", 1)[0]
    assert "발송한 3통 중" in texts and "66.7%" in texts  # delivered: two of three
    assert texts.count("50.0%") == 2  # one of the two delivered followed its link and answered
    assert "열람" not in texts and "메일 반응" not in page  # a text has no open; no mail went
    assert "응답률 50.0%" in page
