"""The replies page, replies imported from a file, and the provider's signed callbacks."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.messaging.models import MessageStatus
from pcrm.replies.callbacks import signature
from pcrm.replies.models import SmsReply
from pcrm.spreadsheets import csv_bytes, xlsx_bytes
from pcrm.subscribers.models import AccessLog, Subscriber
from tests.campaigns.factories import create_texters, send_all
from tests.campaigns.test_sms_sending import launch_sms, messages
from tests.replies.uploads import upload

SECRET = "callback-secret"
pytestmark = pytest.mark.usefixtures("daytime")


@pytest.fixture(autouse=True)
def secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_CALLBACK_SECRET", SECRET)


def post_signed(client, path: str, body: dict, secret: str = SECRET):
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"X-PCRM-Signature": signature(secret, raw), "Content-Type": "application/json"}
    return client.post(path, data=raw, headers=headers)


def reply_count() -> int:
    return db.session.scalar(select(func.count(SmsReply.id)))


def test_a_signed_reply_push_keeps_replies_and_an_opt_out_revokes_at_once(app, client):
    (person,) = create_texters(1)
    body = {"replies": [
        {"from": "01055550000", "text": "ＳＴＯＰ", "receivedAt": "2026-11-30 21:05:00"},
        {"from": "01055550000", "text": "설문 기한은?", "receivedAt": "2026-11-30T12:06:00Z"},
    ]}  # fmt: skip

    answer = post_signed(client, "/sms/callbacks/replies", body)

    assert answer.status_code == 200 and answer.json == {"kept": 2, "opt_outs": 1}
    db.session.refresh(person)
    assert not person.sms_opt_in
    times = sorted(db.session.scalars(select(SmsReply.received_at)))
    assert times == [
        datetime(2026, 11, 30, 12, 5, tzinfo=UTC),
        datetime(2026, 11, 30, 12, 6, tzinfo=UTC),
    ]
    assert post_signed(client, "/sms/callbacks/replies", body).json == {"kept": 2, "opt_outs": 1}
    assert reply_count() == 2  # posted again: kept once


def test_a_callback_with_a_wrong_or_missing_signature_is_refused(app, client):
    (person,) = create_texters(1)
    body = {"replies": [{"from": person.phone, "text": "거부", "receivedAt": "2026-11-30 10:00"}]}

    assert post_signed(client, "/sms/callbacks/replies", body, secret="guess").status_code == 403
    assert client.post("/sms/callbacks/replies", json=body).status_code == 403
    assert post_signed(client, "/sms/callbacks/results", {"messages": []}, "x").status_code == 403
    app.config["SMS_CALLBACK_SECRET"] = None  # no secret configured: the callbacks are closed
    assert post_signed(client, "/sms/callbacks/replies", body, secret="").status_code == 403
    db.session.refresh(person)
    assert person.sms_opt_in and reply_count() == 0


def test_a_bad_push_is_refused_with_a_reason_and_keeps_nothing(app, client):
    body = {"replies": [
        {"from": "01055550000", "text": "거부", "receivedAt": "2026-11-30 10:00"},
        {"from": "01055550000", "text": "거부", "receivedAt": "어제"},
    ]}  # fmt: skip
    answer = post_signed(client, "/sms/callbacks/replies", body)
    assert answer.status_code == 422
    assert "receivedAt" in answer.get_data(as_text=True)
    assert post_signed(client, "/sms/callbacks/replies", {"x": 1}).status_code == 422
    landline = {"replies": [{"from": "02-2286-0000", "text": "거부", "receivedAt": "2026-11-30"}]}
    refused = post_signed(client, "/sms/callbacks/replies", landline)
    assert refused.status_code == 422
    assert "휴대전화 번호가 아닙니다" in refused.get_data(as_text=True)
    assert reply_count() == 0


def test_pushed_delivery_results_are_applied_once(app, client, sens):
    campaign, _people = launch_sms(1)
    send_all(campaign)
    (message,) = messages(campaign)
    record = {
        "requestId": message.provider_id, "messageId": "m-1", "to": "01055550000",
        "status": "COMPLETED", "statusCode": "0", "statusName": "success",
        "completeTime": "2026-11-30 10:00:00",
    }  # fmt: skip

    assert post_signed(client, "/sms/callbacks/results", {"messages": [record]}).json == {
        "applied": 1
    }
    assert post_signed(client, "/sms/callbacks/results", {"messages": [record]}).json == {
        "applied": 0
    }
    (message,) = messages(campaign)
    assert message.status is MessageStatus.DELIVERED
    broken = post_signed(client, "/sms/callbacks/results", {"messages": [{"status": "x"}]})
    assert broken.status_code == 422


def test_pr_staff_read_replies_with_who_wrote_and_the_campaign_they_answer(
    app, client, sign_in, csrf_token
):
    campaign, (person,) = launch_sms(1)
    send_all(campaign)
    sign_in()
    content = xlsx_bytes(
        ["번호", "내용", "수신시각"],
        [[person.phone, "설문 링크가 안 열려요", datetime(2030, 1, 2, 9, 30)],
         ["010-9999-0000", "수신거부", "2030-01-02 10:00"],
         ["02-2286-0000", "안녕하세요", "2030-01-02 10:00"],
         [person.phone, "시각 없음", ""]],
    )  # fmt: skip

    page = upload(client, csrf_token, "/sms/replies/import", content, "replies.xlsx")

    assert "답장 2건을 보관했고 그중 수신거부는 1건입니다." in page
    assert "4행: 휴대전화 번호가 아닙니다" in page and "5행: 수신시각을 읽을 수 없습니다" in page
    listing = client.get("/sms/replies").get_data(as_text=True)
    assert person.name in listing and "등록되지 않은 번호" in listing
    assert "설문 링크가 안 열려요" in listing and campaign.name in listing
    assert "2030-01-02 09:30" in listing  # Korean time, as written in the file
    assert "수신거부: 0명 문자 수신 동의 철회" in listing
    (logged,) = db.session.scalars(select(AccessLog).where(AccessLog.what.like("문자 답장%")))
    assert logged.record_count == 2  # who saw residents' replies is in the access log
    reply_id = db.session.scalar(select(SmsReply.id).where(SmsReply.phone == person.phone))
    client.post(f"/sms/replies/{reply_id}/read", data={"csrf_token": csrf_token("/sms/replies")})
    assert db.session.get(SmsReply, reply_id).read_at is not None


def test_a_replies_file_without_the_columns_is_refused_with_a_reason(client, sign_in, csrf_token):
    sign_in()
    content = csv_bytes(["이름"], [["홍길동"]])
    page = upload(client, csrf_token, "/sms/replies/import", content, "replies.csv")
    assert "머리글에 번호, 내용, 수신시각 열이 있어야 합니다" in page


def test_department_staff_cannot_see_replies(client, sign_in):
    sign_in(Role.DEPARTMENT)
    assert client.get("/sms/replies").status_code in (403, 404)
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0


def test_a_damaged_file_is_refused_with_a_reason(client, sign_in, csrf_token):
    sign_in()
    for path in ("/sms/replies/import", "/sms/optouts/import"):
        page = upload(client, csrf_token, path, b"PK\x03\x04 not a workbook", "x.xlsx")
        assert 'role="alert"' in page and "XLSX" in page
    assert reply_count() == 0
