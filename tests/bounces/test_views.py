"""The clean-up worklist: who may see it, bulk actions, correcting an address, the export."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from pcrm.auth.models import Role
from pcrm.bounces import policy
from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import AddressReview, ReviewState
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.messaging.service import is_suppressed
from pcrm.subscribers.jobs import send_notice
from pcrm.subscribers.models import (
    AccessAction,
    AccessLog,
    AddressStatus,
    ConsentEvent,
    NoticeKind,
    SubscriberNotice,
)
from pcrm.subscribers.notices import token_for
from tests.bounces.returned import verp_dsn
from tests.campaigns.factories import launched_campaign, send_all
from tests.factories import create_department


def bounced(count: int = 2) -> list[Message]:
    """A campaign's messages, the first hard-bounced by a returned DSN, the rest soft."""
    launched_campaign(recipients=count)
    messages = list(db.session.scalars(select(Message).order_by(Message.id)))
    ingest(verp_dsn(messages[0].token, messages[0].address, "5.1.1"), source="file:test.eml")
    for message in messages[1:]:
        policy.apply(message=message, kind=BounceKind.SOFT, status="4.2.2", source="test")
    return messages


def reviews() -> dict[str, AddressReview]:
    return {r.address: r for r in db.session.scalars(select(AddressReview))}


def test_pr_staff_and_admins_see_the_worklist_department_staff_get_403(client, sign_in, auth):
    bounced()
    sign_in(Role.DEPARTMENT, department=create_department("문화체육과", "Culture"))
    assert client.get("/bounces/").status_code == 403
    assert client.get("/bounces/export.csv").status_code == 403
    auth.logout()
    for role in (Role.PR, Role.ADMIN):
        sign_in(role)
        page = client.get("/bounces/").get_data(as_text=True)
        assert "resident0@example.com" in page and "받는 사람 주소가 없음" in page
        assert "발송 제외 · 영구 반송(없는 주소)" in page
        assert "반송 중(일시)" in page  # the soft one, not suppressed yet
        assert "마을버스 만족도 조사" in page  # the campaign affected
        assert "원본 메일" in page
        auth.logout()


def test_the_raw_message_is_there_while_kept(client, sign_in):
    bounced(1)
    sign_in()
    inbound_id = reviews()["resident0@example.com"].last_bounce.inbound_id
    response = client.get(f"/bounces/mail/{inbound_id}.eml")
    assert response.status_code == 200 and b"Final-Recipient" in response.data


def test_filters_narrow_the_list(client, sign_in):
    bounced()
    sign_in()
    page = client.get("/bounces/?reason=hard_bounce").get_data(as_text=True)
    assert "resident0@example.com" in page and "resident1@example.com" not in page
    page = client.get("/bounces/?reason=bouncing&channel=email").get_data(as_text=True)
    assert "resident0@example.com" not in page and "resident1@example.com" in page
    assert client.get("/bounces/?since=nonsense&dong_id=x").status_code == 200


def test_bulk_restore_twice_changes_nothing_the_second_time(client, sign_in, csrf_token):
    bounced()
    sign_in()
    row = reviews()["resident0@example.com"]
    form = {"ids": [row.id], "action": "restore", "reason": "서면 신청서와 대조: 주소 맞음"}
    form["csrf_token"] = csrf_token("/bounces/")
    first = client.post("/bounces/bulk", data=form, follow_redirects=True)
    assert "1건을 처리했습니다" in first.get_data(as_text=True)
    second = client.post("/bounces/bulk", data=form, follow_redirects=True)
    assert "0건을 처리했습니다" in second.get_data(as_text=True)
    db.session.expire_all()
    assert not is_suppressed("email", "resident0@example.com")
    entries = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.evidence.contains("서면 신청서와 대조"))
    ).all()
    assert len(entries) == 1


def test_bulk_actions_need_a_reason_and_csrf(client, sign_in, csrf_token):
    bounced()
    sign_in()
    row = reviews()["resident1@example.com"]
    form = {"ids": [row.id], "action": "suppress", "reason": ""}
    assert client.post("/bounces/bulk", data=form).status_code == 400  # no CSRF token
    form["csrf_token"] = csrf_token("/bounces/")
    page = client.post("/bounces/bulk", data=form, follow_redirects=True).get_data(as_text=True)
    assert "사유를 적어 주세요" in page
    assert not is_suppressed("email", "resident1@example.com")
    form["reason"] = "주민이 전화로 요청"
    client.post("/bounces/bulk", data=form)
    assert is_suppressed("email", "resident1@example.com")
    check = {"ids": [row.id], "action": "check", "csrf_token": form["csrf_token"]}
    client.post("/bounces/bulk", data=check)
    db.session.expire_all()
    assert reviews()["resident1@example.com"].checked_at is not None


def test_a_correction_is_used_only_once_its_owner_confirms_it(
    client, sign_in, csrf_token, smtp_server
):
    messages = bounced(1)
    subscriber = messages[0].subscriber
    sign_in()
    row = reviews()["resident0@example.com"]
    token = csrf_token("/bounces/")
    form = {"email": "Resident0@Example.org", "csrf_token": token}
    page = client.post(f"/bounces/{row.id}/correct", data=form, follow_redirects=True)
    assert "확인 메일을 보냈습니다" in page.get_data(as_text=True)

    notice = db.session.scalar(select(SubscriberNotice))
    assert notice.kind is NoticeKind.CONFIRM_EMAIL and notice.address == "resident0@example.org"
    send_notice(notice.id)
    assert [envelope.rcpt_tos for envelope in smtp_server] == [["resident0@example.org"]]
    db.session.expire_all()
    assert subscriber.email == "resident0@example.com"  # the old one stays until confirmed
    assert reviews()["resident0@example.com"].state is ReviewState.CORRECTING

    link = f"/join/confirm/{token_for(notice)}"
    confirm = {"csrf_token": csrf_token(link)}
    assert client.post(link, data=confirm).status_code == 200
    db.session.expire_all()
    assert subscriber.email == "resident0@example.org"
    assert subscriber.email_status is AddressStatus.VALID
    assert "수정한 주소 확인됨" in client.get("/bounces/").get_data(as_text=True)


def test_a_bad_correction_is_refused_with_a_reason(client, sign_in, csrf_token):
    bounced(2)
    sign_in()
    row = reviews()["resident0@example.com"]
    token = csrf_token("/bounces/")
    for email, words in (
        ("not an address", "형식이 올바르지 않습니다"),
        ("resident1@example.com", "이미 다른 구독자가 쓰는 이메일"),
    ):
        page = client.post(
            f"/bounces/{row.id}/correct",
            data={"email": email, "csrf_token": token},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert words in page
    assert db.session.scalar(select(SubscriberNotice)) is None


def test_the_export_lists_what_staff_check_against_paper_forms(client, sign_in):
    bounced()
    user = sign_in()
    response = client.get("/bounces/export.csv?reason=hard_bounce")
    text = response.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:6] == ["번호", "구독자 번호", "이름", "수단", "주소", "상태"]
    assert len(lines) == 2
    line = dict(zip(lines[0], lines[1], strict=True))
    assert line["주소"] == "resident0@example.com" and line["상태 코드"] == "5.1.1"
    assert line["코드 설명"] == "받는 사람 주소가 없음"
    assert line["관련 캠페인"] == "마을버스 만족도 조사"
    workbook = load_workbook(io.BytesIO(client.get("/bounces/export.xlsx").data))
    assert workbook.active.max_row == 3
    logged = db.session.scalars(
        select(AccessLog).where(
            AccessLog.user_id == user.id, AccessLog.action == AccessAction.EXPORT
        )
    ).all()
    assert len(logged) == 2


def test_a_send_time_refusal_shows_on_the_worklist(relay, client, sign_in):
    relay.answers["resident1@example.com"] = "550 5.1.1 <resident1@example.com>: no such user"
    campaign, _people = launched_campaign(2)
    send_all(campaign)
    sign_in()
    page = client.get("/bounces/").get_data(as_text=True)
    assert "resident1@example.com" in page and "no such user" in page


def test_the_registry_and_the_subscriber_page_show_each_address_state(client, sign_in):
    messages = bounced(2)
    complained = messages[1]
    policy.apply(message=complained, kind=BounceKind.COMPLAINT, source="arf")
    sign_in()
    listing = client.get("/subscribers/").get_data(as_text=True)
    assert "(반송 · 발송 제외: 영구 반송)" in listing
    assert "(정상 · 발송 제외: 스팸 신고)" in listing
    page = client.get(f"/subscribers/{messages[0].subscriber_id}").get_data(as_text=True)
    assert "resident0@example.com (반송 · 발송 제외: 영구 반송)" in page


def test_every_worklist_route_refuses_department_staff(app, client, sign_in, csrf_token):
    messages = bounced(1)
    row = reviews()["resident0@example.com"]
    sign_in(Role.DEPARTMENT, department=create_department("문화체육과", "Culture"))
    token = csrf_token("/")
    inbound_id = row.last_bounce.inbound_id
    assert client.get(f"/bounces/mail/{inbound_id}.eml").status_code == 403
    assert client.get("/bounces/export.xlsx").status_code == 403
    restore = {"ids": [row.id], "action": "restore", "reason": "x", "csrf_token": token}
    assert client.post("/bounces/bulk", data=restore).status_code == 403
    correct = {"email": "new@example.org", "csrf_token": token}
    assert client.post(f"/bounces/{row.id}/correct", data=correct).status_code == 403
    assert is_suppressed("email", messages[0].address)
    assert db.session.scalar(select(SubscriberNotice)) is None
