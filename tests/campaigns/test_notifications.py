"""Staff hear of a campaign's review by e-mail: the PR office when a request arrives, the
department when it is approved, sent back or refused (with the reason). Sent as jobs by a real
RQ worker to a real SMTP server; a relay that is down loses nothing."""

import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select, update

from pcrm.auth.jobs import resend_owed_staff_mail, send_staff_notice
from pcrm.auth.models import Role, StaffNotice
from pcrm.auth.service import remember_language
from pcrm.campaigns import service
from pcrm.campaigns.models import CampaignStatus
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.queue import DEFAULT, URGENT
from pcrm.worker import run_worker
from tests.campaigns.factories import create_campaign, create_segment
from tests.factories import create_department, create_project, create_user
from tests.messaging.conftest import Relay


@pytest.fixture
def office(app):
    transport = create_department("교통행정과", "Transport Administration")
    clerk = create_user("bus@example.kr", Role.DEPARTMENT, transport, name="김부서")
    colleague = create_user("bus2@example.kr", Role.DEPARTMENT, transport, name="이동료")
    project = create_project(transport)
    campaign = create_campaign(project, user=clerk, segment=create_segment())
    return {
        "pr": create_user("pr@example.kr", Role.PR, name="박공보"),
        "pr2": create_user("pr2@example.kr", Role.PR, name="최공보"),
        "admin": create_user("admin@example.kr", Role.ADMIN, name="관리자"),
        "other": create_user(
            "culture@example.kr", Role.DEPARTMENT, create_department("문화체육과", "Culture")
        ),
        "clerk": clerk,
        "colleague": colleague,
        "campaign": campaign,
    }


def _work(app):
    run_worker(app, (URGENT, DEFAULT), with_scheduler=False, burst=True)


def _mails(envelopes) -> dict[str, email.message.EmailMessage]:
    return {
        envelope.rcpt_tos[0]: email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in envelopes
    }


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_pr_office_is_told_when_a_request_arrives(app, office, smtp_server):
    service.request_review(office["campaign"], actor=office["clerk"])
    _work(app)
    mails = _mails(smtp_server)
    assert sorted(mails) == ["pr2@example.kr", "pr@example.kr"]  # PR staff, no one else
    message = mails["pr@example.kr"]
    assert message["Subject"] == "[PCRM] 검토 요청: 마을버스 만족도 조사"
    text = _text(message)
    assert "교통행정과의 김부서님이 캠페인 「마을버스 만족도 조사」" in text
    assert f"/campaigns/{office['campaign'].id}" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "캠페인 검토하기" in html and message["List-Unsubscribe"] is None
    _work(app)
    assert len(smtp_server) == 2  # each notice once


def test_the_department_is_told_why_a_request_was_sent_back(app, office, smtp_server):
    campaign = office["campaign"]
    service.request_review(campaign, actor=office["clerk"])
    _work(app)
    smtp_server.clear()
    reason = "설문 기간을 본문에 적어 주세요."
    service.request_changes(campaign, actor=office["pr"], reason=reason)
    _work(app)
    mails = _mails(smtp_server)
    # The department's staff (the requester among them), not another department, not the reviewer.
    assert sorted(mails) == ["bus2@example.kr", "bus@example.kr"]
    message = mails["bus@example.kr"]
    assert message["Subject"] == "[PCRM] 수정 요청: 마을버스 만족도 조사"
    assert "검토 의견: " + reason in _text(message)
    assert "다시 검토를 요청해 주세요" in _text(message)


def test_approval_and_refusal_are_announced_and_each_reader_reads_their_language(
    app, office, smtp_server
):
    campaign = office["campaign"]
    remember_language(office["colleague"], "en")
    service.request_review(campaign, actor=office["clerk"])
    service.approve(campaign, actor=office["pr"], send_at=utcnow() + timedelta(days=2))
    _work(app)
    mails = _mails(env for env in smtp_server if env.rcpt_tos[0].startswith("bus"))
    assert mails["bus@example.kr"]["Subject"] == "[PCRM] 승인됨: 마을버스 만족도 조사"
    assert "발송 예정:" in _text(mails["bus@example.kr"])
    english = mails["bus2@example.kr"]
    assert english["Subject"] == "[PCRM] Approved: 마을버스 만족도 조사"
    assert "was approved" in _text(english) and "Seoul time" in _text(english)

    second = create_campaign(campaign.project, user=office["clerk"], segment=create_segment("둘"))
    service.request_review(second, actor=office["clerk"])
    smtp_server.clear()
    service.reject(second, actor=office["pr"], reason="같은 주제의 설문이 이미 진행 중입니다.")
    _work(app)
    refused = _mails(smtp_server)["bus@example.kr"]
    assert refused["Subject"].startswith("[PCRM] 반려됨:")
    assert "같은 주제의 설문이 이미 진행 중입니다." in _text(refused)


def test_a_dead_relay_loses_no_notice(app, office, monkeypatch):
    relay = Relay()
    port = relay.up()
    relay.down()  # nobody listens: every connection is refused
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    service.request_review(office["campaign"], actor=office["clerk"])
    notices = list(db.session.scalars(select(StaffNotice)))
    assert len(notices) == 2
    for notice in notices:
        send_staff_notice(notice.id)  # its retries spent: it stays owed, not failed
    db.session.expire_all()
    assert all(n.sent_at is None and n.failed_at is None for n in notices)

    relay.up(port)  # the relay is back
    try:
        long_ago = utcnow() - timedelta(hours=1)
        db.session.execute(update(StaffNotice).values(created_at=long_ago))
        db.session.commit()
        resend_owed_staff_mail()  # the periodic sweep
        _work(app)
        resend_owed_staff_mail()
        _work(app)
    finally:
        relay.down()
    assert sorted(relay.recipients) == ["pr2@example.kr", "pr@example.kr"]  # once each
    db.session.expire_all()
    assert all(n.sent_at is not None for n in notices)


def test_no_notice_is_owed_when_nothing_moved(office):
    campaign = office["campaign"]
    service.request_review(campaign, actor=office["clerk"])
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        service.reject(campaign, actor=office["clerk"], reason="x")
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(StaffNotice)) == 2
    assert campaign.status is CampaignStatus.REQUESTED


def test_an_address_refused_for_good_ends_the_notice_failed_and_the_sweep_leaves_it(
    app, office, monkeypatch
):
    relay = Relay()
    relay.refuse_all = "550 5.1.1 no such user"
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", relay.up())
    try:
        service.request_review(office["campaign"], actor=office["clerk"])
        _work(app)
        db.session.execute(update(StaffNotice).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        resend_owed_staff_mail()
        _work(app)
    finally:
        relay.down()
    notices = list(db.session.scalars(select(StaffNotice)))
    assert all(n.failed_at is not None and "550" in n.failure for n in notices)
    assert relay.received == []
