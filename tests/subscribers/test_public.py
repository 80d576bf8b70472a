"""Residents: sign-up with double opt-in (real SMTP server, real RQ worker), guardians,
preferences from a message or a signed link, and plain 404s for bad links."""

import base64
import email
import re
import time
from email import policy

import pytest
from itsdangerous import TimestampSigner

from pcrm.campaigns.models import Campaign, CampaignKind
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.queue import URGENT
from pcrm.subscribers import notices
from pcrm.subscribers.audience import Criteria, reachable_ids
from pcrm.subscribers.models import AddressStatus, Channel, ConsentEvent, NoticeKind, Subscriber
from pcrm.subscribers.residents import NOTICE_VERSION
from pcrm.worker import run_worker
from tests.factories import create_department, create_project
from tests.subscribers.factories import create_subscriber, dong_id


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _sign_up(client, **fields):
    page = client.get("/join").get_data(as_text=True)
    data = {
        "csrf_token": _token(page), "kind": "individual", "name": "김민서",
        "email": "minseo@example.com", "phone": "010-1234-5678", "birth_year": "1985",
        "gender": "female", "dong_id": str(dong_id()), "business_type_code": "",
        "fields": ["survey", "culture"], "channels": ["email", "sms"], "agree": "y",
    }  # fmt: skip
    return client.post("/join", data=data | fields)


def _work(app):
    """A real RQ worker drains the urgent queue, as in production."""
    run_worker(app, (URGENT,), with_scheduler=False, burst=True)


def _mail(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def _link(message, path: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://pcrm\.test({path}[^\s]+)", text).group(1)


def test_sign_up_counts_email_only_after_the_confirmation_link(app, client, smtp_server):
    response = _sign_up(client)
    assert response.status_code == 302 and "/join/phone/" in response.headers["Location"]
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert subscriber.email_status is AddressStatus.PENDING and not subscriber.email_opt_in
    assert not subscriber.sms_opt_in  # the SMS code confirms the phone (tests/test_phone.py)
    assert {f.code for f in subscriber.interests} == {"survey", "culture"}
    email_ids = reachable_ids(Criteria(), channel="email", field_code="survey")
    assert list(db.session.scalars(email_ids)) == []

    _work(app)
    (envelope,) = smtp_server
    assert envelope.rcpt_tos == ["minseo@example.com"]
    message = _mail(envelope)
    assert message.get_body(preferencelist=("html",)) is not None
    link = _link(message, "/join/confirm/")
    assert "이메일 수신" in client.get(link).get_data(as_text=True)
    db.session.expire_all()
    assert not subscriber.email_opt_in  # a GET (a mail scanner) confirms nothing
    page = client.get(link).get_data(as_text=True)
    assert client.post(link, data={"csrf_token": _token(page)}).status_code == 200
    db.session.expire_all()
    assert subscriber.email_opt_in and subscriber.email_status is AddressStatus.VALID
    grant = db.session.scalars(db.select(ConsentEvent).where(ConsentEvent.channel == "email")).one()
    assert grant.notice_version == NOTICE_VERSION and "double opt-in" in grant.evidence
    assert list(db.session.scalars(email_ids)) == [subscriber.id]
    _work(app)
    assert len(smtp_server) == 1  # the job ran once: no second mail


def test_a_resident_signing_up_in_english_is_written_to_in_english(
    app, client, smtp_server, csrf_token
):
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token("/join")})
    assert _sign_up(client).status_code == 302
    _work(app)
    message = _mail(smtp_server[0])
    assert message["Subject"] == "[Seongdong-gu] Please confirm your e-mail consent"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you for signing up" in text and "신청" not in text
    link = _link(message, "/join/confirm/")
    assert link.endswith("?lang=en")
    page = app.test_client().get(link).get_data(as_text=True)  # opened on another device
    assert '<html lang="en">' in page and "Seongdong" in page


def test_under_14_cannot_sign_up_without_a_guardian(client):
    from datetime import date

    young = str(date.today().year - 12)
    page = _sign_up(client, birth_year=young).get_data(as_text=True)
    assert "보호자" in page and 'class="error-summary"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0
    response = _sign_up(
        client, birth_year=young, guardian_name="김보호", guardian_contact="010-9999-8888",
        guardian_agreed="y",
    )  # fmt: skip
    assert response.status_code == 302
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert subscriber.guardian_consent and subscriber.guardian_name == "김보호"
    assert all("김보호" in e.evidence for e in subscriber.consent_events)


def test_sign_up_needs_the_explicit_consent(client):
    page = _sign_up(client, agree="").get_data(as_text=True)
    assert "동의해야 가입할 수 있습니다" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 0


def test_signing_up_again_reveals_nothing_and_sends_a_preferences_link(app, client, smtp_server):
    existing = create_subscriber(email="minseo@example.com")
    response = _sign_up(client, phone="", channels=["email"])
    assert response.headers["Location"].endswith("/join/done")
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 1
    _work(app)
    (envelope,) = smtp_server
    link = _link(_mail(envelope), "/preferences/")
    page = client.get(link)
    assert page.status_code == 200 and "수신 설정" in page.get_data(as_text=True)
    db.session.refresh(existing)
    assert existing.email_opt_in  # nothing about the existing subscriber changed


def _message_for(subscriber) -> Message:
    project = create_project(create_department())
    campaign = Campaign(project=project, name="마을버스 만족도", kind=CampaignKind.SURVEY)
    message = Message(campaign=campaign, subscriber=subscriber, channel="email")
    db.session.add(message)
    db.session.commit()
    return message


def test_preferences_from_a_message_link_change_the_ledger(client):
    subscriber = create_subscriber(fields={"survey", "culture"})
    message = _message_for(subscriber)
    path = f"/p/{message.token}"
    page = client.get(path).get_data(as_text=True)
    assert "수신 설정" in page
    # Whose settings these are, in part: the resident recognises themselves, nobody learns more.
    assert "김*서 님의 설정입니다." in page and "mi****@example.com, 010-****-5678" in page
    assert "minseo@example.com" not in page and "010-1234-5678" not in page
    response = client.post(
        path, data={"csrf_token": _token(page), "fields": ["culture"], "channels": ["email"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {f.code for f in subscriber.interests} == {"culture"} and not subscriber.sms_opt_in
    revoked = db.session.scalars(
        db.select(ConsentEvent).where(ConsentEvent.granted.is_(False))
    ).all()
    assert {(e.field_code, e.channel) for e in revoked} == {("survey", None), (None, "sms")}
    assert all(e.source == "preferences_link" and f"#{message.id}" in e.evidence for e in revoked)


def test_unsubscribe_from_everything(client):
    subscriber = create_subscriber()
    message = _message_for(subscriber)
    path = f"/p/{message.token}"
    page = client.get(path).get_data(as_text=True)
    client.post(path, data={"csrf_token": _token(page), "action": "unsubscribe_all"})
    db.session.expire_all()
    assert not subscriber.email_opt_in and not subscriber.sms_opt_in and not subscriber.interests
    for channel in ("email", "sms"):
        ids = reachable_ids(Criteria(), channel=channel, field_code="survey")
        assert list(db.session.scalars(ids)) == []


@pytest.mark.parametrize(
    "path",
    ["/p/not-a-real-token", "/preferences/forged.token.value", "/join/confirm/forged.token"],
)
def test_tampered_or_unknown_links_are_a_plain_404(client, path):
    create_subscriber()
    assert client.get(path).status_code == 404
    assert client.post(path, data={}).status_code in (400, 404)


def test_asking_for_a_link_says_the_same_whether_or_not_registered(app, client, smtp_server):
    create_subscriber(email="minseo@example.com")
    answers = []
    for address in ("minseo@example.com", "nobody@example.com"):
        page = client.get("/preferences").get_data(as_text=True)
        response = client.post("/preferences", data={"csrf_token": _token(page), "email": address})
        answer = response.get_data(as_text=True)
        # The page's own CSRF token carries the second it was signed: not part of the answer.
        answers.append(answer.replace(_token(answer), "TOKEN"))
    assert answers[0] == answers[1]
    _work(app)
    assert [e.rcpt_tos for e in smtp_server] == [["minseo@example.com"]]


def test_public_forms_are_rate_limited(app, client):
    app.config["PUBLIC_FORM_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [
            _sign_up(client, email=f"p{n}@example.com", phone="", channels=["email"]).status_code
            for n in range(3)
        ]
    finally:
        del app.config["PUBLIC_FORM_RATE_LIMIT"]
    assert codes == [302, 302, 429]


def test_a_message_link_cannot_grant_back_only_a_fresh_confirmation_can(app, client, smtp_server):
    subscriber = create_subscriber(fields={"survey"}, channels={Channel.EMAIL})
    path = f"/p/{_message_for(subscriber).token}"
    page = client.get(path).get_data(as_text=True)
    wanted = {"fields": ["survey", "culture"], "channels": ["email", "sms"]}
    response = client.post(path, data={"csrf_token": _token(page)} | wanted)
    assert "확인 링크에서 저장해야 적용됩니다" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    db.session.expire_all()
    assert {f.code for f in subscriber.interests} == {"survey"} and not subscriber.sms_opt_in
    granted = db.select(ConsentEvent).where(ConsentEvent.source == "preferences_link")
    assert db.session.scalars(granted).all() == []  # nothing granted, nothing to narrow

    _work(app)
    (envelope,) = smtp_server
    link = _link(_mail(envelope), "/preferences/")
    page = client.get(link).get_data(as_text=True)
    client.post(link, data={"csrf_token": _token(page), "fields": ["survey", "culture"],
                            "channels": ["email", "sms"]})  # fmt: skip
    db.session.expire_all()
    assert {f.code for f in subscriber.interests} == {"survey", "culture"}
    assert subscriber.sms_opt_in


def test_signed_links_do_not_carry_the_address_and_old_ones_are_404(app, client, smtp_server):
    subscriber = create_subscriber(email="minseo@example.com")
    notice = notices.owe_notice(subscriber, NoticeKind.PREFERENCES_LINK)
    db.session.commit()
    notices.enqueue_notice(notice)
    _work(app)
    token = _link(_mail(smtp_server[0]), "/preferences/").rsplit("/", 1)[1]
    decoded = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert "minseo" not in decoded and "example" not in decoded
    assert client.get(f"/preferences/{token}").status_code == 200
    with app.test_request_context():
        old_style = {"s": subscriber.id, "e": subscriber.email}
        old = notices.make_token(NoticeKind.PREFERENCES_LINK, old_style)
    assert client.get(f"/preferences/{old}").status_code == 404
    subscriber.email = "changed@example.com"
    db.session.commit()
    assert client.get(f"/preferences/{token}").status_code == 404  # the address changed since


def test_an_expired_signed_link_is_a_plain_404(app, client, smtp_server, monkeypatch):
    subscriber = create_subscriber()
    notice = notices.owe_notice(subscriber, NoticeKind.PREFERENCES_LINK)
    db.session.commit()
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_ago)
    with app.test_request_context():
        token = notices._link(notice).rsplit("/", 1)[1]
    monkeypatch.undo()
    assert client.get(f"/preferences/{token}").status_code == 404


def test_public_pages_lead_back_to_the_district_and_its_privacy_notice(client):
    for path in ("/join/done", "/privacy", "/preferences"):
        page = client.get(path).get_data(as_text=True)
        assert "https://www.sd.go.kr/" in page and 'href="/privacy"' in page
        assert "02-2286-5114" in page  # a contact
        assert "성동구 정책고객관리" not in page  # residents meet the district, not our system
    assert "보유 기간" in client.get("/privacy").get_data(as_text=True)


def test_the_sign_up_form_marks_what_is_required(client):
    page = client.get("/join").get_data(as_text=True)
    for label in ("이름 (사업자는 상호)", "받고 싶은 소식 (관심분야)", "받는 방법"):
        assert f'{label} <span class="required">(필수)</span>' in page
    assert '이메일 <span class="required">' not in page  # e-mail or phone: one of the two
