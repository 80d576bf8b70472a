"""The page of returned mail left for a person: who sent it, why, when (Seoul), its text
escaped, and marking it reviewed."""

from datetime import UTC, datetime

from pcrm.auth.models import Role
from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.extensions import db
from tests.bounces.returned import verp_dsn

HOSTILE_REPLY = (
    "From: 김주민 <resident@example.org>\r\n"
    "Subject: =?UTF-8?B?7ISk66y4IOuLteyepQ==?=\r\n"  # 설문 답장
    "MIME-Version: 1.0\r\n"
    'Content-Type: text/html; charset="utf-8"\r\n\r\n'
    "<html><head><style>p{}</style></head><body><p>주소가 바뀌었습니다.</p>"
    '<script>alert(1)</script><img src="https://tracker.example/x.png"></body></html>\r\n'
).encode()


def _left(raw: bytes, received: datetime | None = None) -> InboundMail:
    result = ingest(raw, source="imap:INBOX")
    inbound = db.session.get(InboundMail, result.inbound_id)
    if received:
        inbound.received_at = received
        db.session.commit()
    return inbound


def test_the_list_shows_what_waits_for_a_person_in_seoul_time(client, sign_in):
    sign_in(Role.PR)
    _left(HOSTILE_REPLY, datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    _left(verp_dsn("z" * 20, "nobody@example.org", "5.1.1"))

    page = client.get("/returned-mail/").get_data(as_text=True)

    assert "설문 답장" in page and "resident@example.org" in page
    assert "2026-03-03 00:30" in page  # 15:30 UTC is past midnight in Seoul
    assert "Undelivered Mail Returned to Sender" in page
    assert "대상 불명" in page and "반송 아님" in page  # states in words, not codes
    assert "not_bounce" not in page


def test_a_message_is_shown_as_escaped_text_without_remote_content(client, sign_in):
    sign_in(Role.PR)
    inbound = _left(HOSTILE_REPLY)

    page = client.get(f"/returned-mail/{inbound.id}").get_data(as_text=True)

    assert "주소가 바뀌었습니다." in page
    assert "<script>alert(1)</script>" not in page
    assert "tracker.example" not in page
    assert "alert(1)" not in page


def test_marking_reviewed_takes_it_off_the_list(client, sign_in, csrf_token):
    user = sign_in(Role.PR)
    inbound = _left(HOSTILE_REPLY)
    token = csrf_token(f"/returned-mail/{inbound.id}")

    response = client.post(
        f"/returned-mail/{inbound.id}", data={"csrf_token": token, "note": "주소 수정 요청 전달"}
    )

    assert response.status_code == 302
    db.session.refresh(inbound)
    assert inbound.state is InboundState.REVIEWED
    assert (inbound.reviewed_by_id, inbound.note) == (user.id, "주소 수정 요청 전달")
    assert "설문 답장" not in client.get("/returned-mail/").get_data(as_text=True)
    reviewed = client.get("/returned-mail/?reviewed=1").get_data(as_text=True)
    assert "설문 답장" in reviewed

    again = client.post(f"/returned-mail/{inbound.id}", data={"csrf_token": token})
    assert again.status_code == 200  # shown again with the reason, nothing changed
    assert "이미 확인한 메일입니다." in again.get_data(as_text=True)


def test_applied_bounces_are_not_on_this_page(client, sign_in):
    inbound = _left(HOSTILE_REPLY)
    inbound.state = InboundState.APPLIED
    db.session.commit()
    sign_in(Role.PR)
    assert client.get(f"/returned-mail/{inbound.id}").status_code == 404
    assert client.get("/returned-mail/999999").status_code == 404


def test_department_staff_are_refused(client, sign_in):
    from tests.factories import create_department

    sign_in(Role.DEPARTMENT, department=create_department())
    assert client.get("/returned-mail/").status_code == 403
