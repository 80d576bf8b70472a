"""Residents' voice over HTTP: the public form and status page, staff pages and isolation,
the answer sent by a real RQ worker to a real SMTP server."""

import email
import re
from email import policy

from pcrm.auth.models import Role
from pcrm.extensions import db
from pcrm.queue import URGENT
from pcrm.voice import handling
from pcrm.voice.models import Outcome, VoiceItem, VoiceStatus
from pcrm.worker import run_worker
from tests.factories import create_department, create_user
from tests.voice.helpers import create_item, name_officer

SCRIPT = '<script>alert("x")</script>'


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post(client, path: str, form_path: str, **fields):
    token = _token(client.get(form_path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **fields})


def _send(client, **fields):
    return _post(client, "/voice", "/voice", **{"body": "가로등이 꺼져 있어요", **fields})


def test_a_resident_sends_an_opinion_and_follows_it_by_the_receipt_link(app, client):
    response = _send(client, email="minseo@example.com", consent="y")
    item = db.session.scalars(db.select(VoiceItem)).one()
    assert response.status_code == 302 and response.location == f"/v/{item.token}"
    page = client.get(response.location).get_data(as_text=True)
    assert item.number in page and "접수" in page and "가로등이 꺼져 있어요" in page
    assert client.get("/v/not-a-token").status_code == 404


def test_a_contact_needs_consent_and_a_body_over_the_limit_is_refused(app, client):
    assert _send(client, email="minseo@example.com").status_code == 422
    too_long = "가" * (app.config["VOICE_MAX_CHARS"] + 1)
    response = _send(client, body=too_long)
    assert response.status_code == 422 and "자까지" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(VoiceItem.id))) == 0


def test_the_public_form_is_rate_limited(app, client):
    app.config["VOICE_FORM_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [_send(client).status_code for _ in range(3)]
    finally:
        app.config["VOICE_FORM_RATE_LIMIT"] = "10 per hour"
    assert codes == [302, 302, 429]


def test_the_status_page_never_shows_staff_only_notes(app, client):
    pr = create_user("pr@example.kr", role=Role.PR)
    item = create_item()
    handling.add_comment(item, user=pr, body="내부 메모: 민원인 재방문", staff_only=True)
    handling.add_comment(item, user=pr, body="현장을 확인하겠습니다", staff_only=False)
    page = client.get(f"/v/{item.token}").get_data(as_text=True)
    assert "현장을 확인하겠습니다" in page and "내부 메모" not in page
    response = _post(client, f"/v/{item.token}/comment", f"/v/{item.token}", body="감사합니다")
    assert response.status_code == 302
    assert [c.body for c in item.comments if c.author_id is None] == ["감사합니다"]


def test_script_in_every_field_is_shown_as_text(app, client, sign_in):
    response = _send(client, body=SCRIPT, email="", phone="")
    item = db.session.scalars(db.select(VoiceItem)).one()
    pr = sign_in(Role.PR)
    handling.add_comment(item, user=pr, body=SCRIPT, staff_only=False)
    handling.answer_directly(item, user=pr, answer=SCRIPT)
    for path in (response.location, f"/inbox/{item.id}", "/inbox"):
        page = client.get(path).get_data(as_text=True)
        assert SCRIPT not in page and "&lt;script&gt;" in page, path


def test_an_officer_of_another_department_gets_a_404(app, client, sign_in):
    roads, parks = create_department("도로과", "Roads"), create_department("공원녹지과", "Parks")
    pr = create_user("pr@example.kr", role=Role.PR)
    item = create_item()
    handling.assign(item, user=pr, department_id=roads.id, officer_id=None)
    sign_in(Role.DEPARTMENT, department=parks, email="parks@example.kr")
    assert client.get(f"/inbox/{item.id}").status_code == 404
    assert item.number not in client.get("/inbox").get_data(as_text=True)
    token = _token(client.get("/inbox").get_data(as_text=True))
    data = {"csrf_token": token, "outcome": "resolved", "answer": "x"}
    assert client.post(f"/inbox/{item.id}/submit", data=data).status_code == 404
    assert client.post(f"/inbox/{item.id}/assign", data={"csrf_token": token}).status_code == 403


def test_the_officer_answers_and_the_resident_gets_it_by_e_mail(app, client, sign_in, smtp_server):
    roads = create_department("도로과", "Roads")
    pr = create_user("pr@example.kr", role=Role.PR)
    item = create_item(email="minseo@example.com")
    officer = sign_in(Role.DEPARTMENT, department=roads, email="roads@example.kr")
    name_officer(roads, officer)
    handling.assign(item, user=pr, department_id=roads.id, officer_id=officer.id)
    page = f"/inbox/{item.id}"
    assert client.get(page).status_code == 200
    response = _post(
        client, f"{page}/submit", page, outcome="resolved", answer="어제 고쳤습니다.", reason=""
    )
    db.session.refresh(item)
    assert response.status_code == 302 and item.status is VoiceStatus.APPROVAL
    handling.approve(item, user=pr)
    run_worker(app, (URGENT,), with_scheduler=False, burst=True)
    run_worker(app, (URGENT,), with_scheduler=False, burst=True)  # nothing sent twice

    [envelope] = smtp_server
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    assert envelope.rcpt_tos == ["minseo@example.com"]
    assert "어제 고쳤습니다." in text and f"/v/{item.token}" in text
    assert "/join" in text  # not a subscriber: offered to join
    db.session.refresh(item)
    assert item.answer_sent_at is not None and item.outcome is Outcome.RESOLVED


def test_the_inbox_pages_by_number_and_keeps_its_filters(app, client, sign_in, monkeypatch):
    from pcrm.voice import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    pr = sign_in(Role.PR)
    items = [create_item(f"의견 {n}번") for n in range(7)]
    handling.answer_directly(items[0], user=pr, answer="안내드렸습니다.")  # done: filtered out
    first = client.get("/inbox?status=received").get_data(as_text=True)
    assert "의견 6건" in first and "1 / 3쪽" in first
    assert 'href="/inbox?page=2&amp;status=received"' in first
    assert 'href="/inbox?page=3&amp;status=received"' in first
    last = client.get("/inbox?status=received&page=3").get_data(as_text=True)
    assert [n for n in range(7) if f"의견 {n}번" in last] == [5, 6]
    assert 'aria-current="page">3<' in last and 'rel="prev"' in last and 'rel="next"' not in last
    past = client.get("/inbox?status=received&page=99").get_data(as_text=True)
    assert "3 / 3쪽" in past  # past the last page: the last
    everything = client.get("/inbox").get_data(as_text=True)
    assert "의견 7건" in everything and "1 / 4쪽" in everything
    assert client.get("/inbox?page=2000000").status_code == 404
