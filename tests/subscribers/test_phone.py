"""SMS consent at sign-up counts only once the code texted to the phone comes back."""

import re
import shutil
from datetime import timedelta

import pytest

from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.outbox.service import latest_sms, sms_dir
from pcrm.subscribers.audience import Criteria, reachable_ids
from pcrm.subscribers.models import (
    AddressStatus,
    ConsentEvent,
    ConsentSource,
    PhoneConfirmation,
    Subscriber,
)
from pcrm.subscribers.phones import MAX_ATTEMPTS, MAX_SENDS
from pcrm.subscribers.residents import NOTICE_VERSION
from tests.messaging.fake_sens import FakeSens
from tests.subscribers.factories import create_subscriber
from tests.subscribers.test_public import _sign_up, _token

PHONE = "+821012345678"


@pytest.fixture
def texts(app):
    """The SMS outbox, emptied for this test; returns the codes texted to PHONE, newest first."""
    with app.app_context():
        shutil.rmtree(sms_dir(), ignore_errors=True)

    def codes() -> list[str]:
        messages, _total = latest_sms()
        return [re.search(r"\d{6}", m["text"]).group() for m in messages if m["to"] == PHONE]

    return codes


def _sign_up_for_sms(client, **fields):
    data = {"email": "", "channels": ["sms"], "night_sms": "y"} | fields
    response = _sign_up(client, **data)
    assert response.status_code == 302 and "/join/phone/" in response.headers["Location"]
    return response.headers["Location"]


def _type(client, page: str, code: str) -> str:
    form = client.get(page).get_data(as_text=True)
    return client.post(page, data={"csrf_token": _token(form), "code": code}).get_data(as_text=True)


def _sms_ledger() -> list[ConsentEvent]:
    return db.session.scalars(db.select(ConsentEvent).where(ConsentEvent.channel == "sms")).all()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_sms_consent_counts_only_after_the_texted_code(client, texts):
    page = _sign_up_for_sms(client)
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert not subscriber.sms_opt_in and not subscriber.night_sms_opt_in
    assert subscriber.phone_status is AddressStatus.PENDING and _sms_ledger() == []
    sms_ids = reachable_ids(Criteria(), channel="sms", field_code="survey")
    assert list(db.session.scalars(sms_ids)) == []

    form = client.get(page).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in form and 'inputmode="numeric"' in form
    assert "5678" in form and "010" not in form  # only the last digits are shown
    (code,) = texts()
    refused = _type(client, page, _wrong(code))
    assert "인증번호가 맞지 않습니다" in refused and f"{MAX_ATTEMPTS - 1}번 더" in refused
    db.session.expire_all()
    assert not subscriber.sms_opt_in and _sms_ledger() == []

    assert "휴대전화 번호를 확인했습니다" in _type(client, page, code[:3] + " " + code[3:])
    db.session.expire_all()
    assert subscriber.sms_opt_in and subscriber.night_sms_opt_in
    assert subscriber.phone_status is AddressStatus.VALID
    (grant,) = _sms_ledger()
    assert grant.granted and grant.source is ConsentSource.WEB_FORM
    assert "번호 확인" in grant.evidence and grant.notice_version == NOTICE_VERSION
    assert list(db.session.scalars(sms_ids)) == [subscriber.id]

    assert "한 번만 쓸 수 있습니다" in _type(client, page, code)  # no reuse
    assert len(_sms_ledger()) == 1


def test_an_expired_code_grants_nothing(client, texts):
    page = _sign_up_for_sms(client)
    (code,) = texts()
    confirmation = db.session.scalars(db.select(PhoneConfirmation)).one()
    confirmation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "유효 시간이 지났습니다" in _type(client, page, code)
    assert _sms_ledger() == []


def test_five_wrong_tries_end_the_code_and_a_new_one_works(client, texts):
    page = _sign_up_for_sms(client)
    (code,) = texts()
    for _try in range(MAX_ATTEMPTS):
        _type(client, page, _wrong(code))
    assert "횟수가 많아" in _type(client, page, code)  # even the right code, now
    assert _sms_ledger() == []

    form = client.get(page).get_data(as_text=True)
    resend = page + "/resend"
    client.post(resend, data={"csrf_token": _token(form)})
    new, old = texts()
    assert old == code
    assert "맞지 않습니다" in _type(client, page, old)  # the new code replaced it
    assert "휴대전화 번호를 확인했습니다" in _type(client, page, new)
    assert len(_sms_ledger()) == 1


def test_resends_are_limited(client, texts):
    page = _sign_up_for_sms(client)
    form = client.get(page).get_data(as_text=True)
    for _send in range(MAX_SENDS):
        client.post(page + "/resend", data={"csrf_token": _token(form)})
    assert len(texts()) == MAX_SENDS
    assert f"{MAX_SENDS}번까지" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("page", ["/join/phone/nonsense", "/join/phone/nonsense/resend"])
def test_an_unknown_code_page_is_a_plain_404(client, csrf_token, page):
    if page.endswith("resend"):
        assert client.post(page, data={"csrf_token": csrf_token("/join")}).status_code == 404
    else:
        assert client.get(page).status_code == 404


def test_a_code_page_is_a_404_once_the_subscriber_is_erased(client, texts):
    page = _sign_up_for_sms(client)
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    subscriber.erased_at, subscriber.phone = utcnow(), None
    db.session.commit()
    assert client.get(page).status_code == 404


def test_a_phone_without_sms_chosen_is_kept_but_not_confirmed(client, texts):
    response = _sign_up(client, channels=["email"])
    assert response.headers["Location"].endswith("/join/done")
    assert texts() == []
    subscriber = db.session.scalars(db.select(Subscriber)).one()
    assert subscriber.phone_status is AddressStatus.PENDING and not subscriber.sms_opt_in


def test_a_registered_number_gets_the_same_code_page_and_nothing_else_changes(client, texts):
    existing = create_subscriber(email=None, phone=PHONE, channels=set(), fields={"culture"})
    page = _sign_up_for_sms(client, fields=["survey"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscriber)) == 1
    (code,) = texts()
    assert "휴대전화 번호를 확인했습니다" in _type(client, page, code)
    db.session.expire_all()
    assert existing.sms_opt_in and {f.code for f in existing.interests} == {"culture"}


def test_a_resend_while_the_sms_provider_is_down_says_so_and_sends_later(
    app, client, texts, monkeypatch
):
    page = _sign_up_for_sms(client)
    fake = FakeSens()
    base_url = fake.start()
    sens = {
        "SMS_PROVIDER": "sens", "SENS_ACCESS_KEY": fake.access_key,
        "SENS_SECRET_KEY": fake.secret_key, "SENS_SERVICE_ID": fake.service_id,
        "SENS_FROM": fake.sender, "SENS_BASE_URL": base_url, "SENS_MAX_ATTEMPTS": 1,
    }  # fmt: skip
    for key, value in sens.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        fake.down = True
        form = client.get(page).get_data(as_text=True)
        response = client.post(page + "/resend", data={"csrf_token": _token(form)})
        shown = client.get(page).get_data(as_text=True)
        fake.down = False
        client.post(page + "/resend", data={"csrf_token": _token(shown)})
    finally:
        fake.stop()

    assert response.status_code == 302
    assert "지금은 문자를 보낼 수 없습니다" in shown
    assert fake.accepted_to == ["01012345678"]
