"""Every place an e-mail address enters keeps one rule: an internationalised domain is stored in
the ASCII (xn--) form SMTP carries, a non-ASCII local part is refused with a Korean reason."""

import re

import pytest

from pcrm.auth.models import Role, User
from pcrm.extensions import db
from pcrm.subscribers.addresses import normalise_email
from pcrm.subscribers.imports.models import ImportRow
from pcrm.subscribers.models import AddressStatus, Subscriber, SubscriberNotice
from tests.factories import create_user
from tests.subscribers.factories import create_subscriber, dong_id
from tests.subscribers.test_imports import run

KOREAN_LOCAL = "홍길동@example.kr"
IDN = "Hong@예시.한국"
IDN_ASCII = "hong@xn--vv4b11d.xn--3e0b707e"
MIGRATION = "0010"
REFUSED = "영문 외 문자가 있는 이메일 주소는 받을 수 없습니다"
ENGLISH = ("Internationalized", "not supported", "sign", "Invalid email")


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post(client, path: str, data: dict) -> str:
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": _token(page)} | data).get_data(as_text=True)


def _sign_up(client, auth, address):
    return _post(client, "/join", {
        "kind": "individual", "name": "홍길동", "email": address, "phone": "", "birth_year": "1985",
        "gender": "", "dong_id": str(dong_id()), "business_type_code": "",
        "fields": ["survey"], "channels": ["email"], "agree": "y",
    })  # fmt: skip


def _staff_subscriber_form(client, auth, address):
    create_user("pr@example.kr")
    auth.login("pr@example.kr")
    return _post(client, "/subscribers/new", {
        "kind": "individual", "name": "홍길동", "email": address, "phone": "", "birth_year": "",
        "gender": "", "dong_id": "", "business_type_code": "", "fields": ["survey"],
        "channels": ["email"], "evidence": "전화 요청",
    })  # fmt: skip


def _edit_subscriber(client, auth, address):
    create_user("pr@example.kr")
    subscriber = create_subscriber("홍길동", email="old@example.kr", phone=None)
    auth.login("pr@example.kr")
    return _post(client, f"/subscribers/{subscriber.id}/edit", {
        "kind": "individual", "name": "홍길동", "email": address, "phone": "", "birth_year": "",
        "gender": "", "dong_id": "", "business_type_code": "", "fields": ["survey"],
        "channels": ["email"], "evidence": "전화 요청",
    })  # fmt: skip


def _import_row(client, auth, address):
    run(f"이름,이메일\n홍길동,{address}\n".encode(), source="서면 신청서")
    return " ".join(db.session.scalars(db.select(ImportRow.reason)))


def _admin_account(client, auth, address):
    create_user("admin@example.kr", role=Role.ADMIN, name="관리자")
    auth.login("admin@example.kr")
    return _post(client, "/admin/users/new", {
        "email": address, "name": "홍길동", "role": "pr", "department": 0,
        "password": "a long enough password",
    })  # fmt: skip


def _create_user_command(client, auth, address):
    runner = client.application.test_cli_runner()
    args = ["create-user", "--email", address, "--name", "홍길동", "--role", "pr"]
    return runner.invoke(args=[*args, "--password", "long enough password"]).output


def _stored_subscriber_email() -> str | None:
    subscriber = db.session.scalar(db.select(Subscriber).where(Subscriber.name == "홍길동"))
    if subscriber is None or subscriber.email_status is AddressStatus.INVALID:
        return None
    return subscriber.email


def _stored_user_email() -> str | None:
    return db.session.scalar(db.select(User.email).where(User.name == "홍길동"))


ENTRY_POINTS = {
    "sign-up": (_sign_up, _stored_subscriber_email),
    "staff subscriber form": (_staff_subscriber_form, _stored_subscriber_email),
    "staff subscriber edit": (_edit_subscriber, _stored_subscriber_email),
    "import row": (_import_row, _stored_subscriber_email),
    "admin account form": (_admin_account, _stored_user_email),
    "pcrm create-user": (_create_user_command, _stored_user_email),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_korean_local_part_is_refused_in_korean_at_every_entry(client, auth, entry):
    enter, stored = ENTRY_POINTS[entry]
    said = enter(client, auth, KOREAN_LOCAL)
    assert REFUSED in said
    assert not any(english in said for english in ENGLISH)
    db.session.expire_all()
    assert stored() in (None, "old@example.kr")  # nothing stored, nothing changed


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_internationalised_domain_is_stored_in_its_ascii_form(client, auth, entry):
    enter, stored = ENTRY_POINTS[entry]
    enter(client, auth, IDN)
    db.session.expire_all()
    assert stored() == IDN_ASCII


def test_a_malformed_address_gets_a_korean_reason_not_the_libraries_english(app):
    with app.test_request_context():
        problem = normalise_email("hong@exa mple.kr").problem
    assert "이메일 주소 형식이 올바르지 않습니다" in problem and "SPACE" not in problem


def test_asking_for_a_preferences_link_finds_the_ascii_form(app, client):
    create_subscriber("홍길동", email=IDN_ASCII, phone=None)
    page = _post(client, "/preferences", {"email": IDN})
    assert "메일을 확인해 주세요" in page
    assert db.session.scalar(db.select(SubscriberNotice)) is not None
    refused = _post(client, "/preferences", {"email": KOREAN_LOCAL})
    assert REFUSED in refused


def test_addresses_stored_before_the_rule_are_marked_invalid_by_the_migration(app):
    from flask_migrate import downgrade, upgrade

    downgrade(revision=f"{MIGRATION}-1")
    old = create_subscriber("예전 주민", email=KOREAN_LOCAL, phone=None)
    fine = create_subscriber("다른 주민", email="fine@example.kr", phone=None)
    db.session.commit()
    upgrade(revision=MIGRATION)
    upgrade()
    db.session.expire_all()
    assert old.email_status is AddressStatus.INVALID and old.email == KOREAN_LOCAL  # kept
    assert fine.email_status is AddressStatus.VALID


def test_staff_sign_in_with_the_domain_typed_in_korean(client, auth):
    create_user(IDN, name="도메인 직원")
    assert auth.login(IDN).status_code == 302
    auth.logout()
    assert auth.login(IDN_ASCII).status_code == 302
