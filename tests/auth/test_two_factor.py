"""Two-factor sign-in: a code from an authenticator app after the password, used once."""

import re
import time

import pyotp
import pytest

from pcrm.auth import two_factor
from pcrm.auth.models import Role, User
from pcrm.extensions import db
from tests.factories import create_user


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post(client, path: str, **data):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": _token(page), **data})


def _enrol(client) -> str:
    """Enrol through the account page as the signed-in user; returns the secret."""
    page = _post(client, "/account/two-factor", action="start").get_data(as_text=True)
    assert "data:image/svg+xml" in page  # the QR code, drawn on the server
    secret = re.search(r'class="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    wrong = client.post(
        "/account/two-factor",
        data={"csrf_token": _token(page), "action": "confirm", "code": "000000"},
    ).get_data(as_text=True)
    assert "코드가 맞지 않습니다" in wrong
    response = client.post(
        "/account/two-factor",
        data={"csrf_token": _token(wrong), "action": "confirm", "code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 302
    return secret


def test_enrolled_staff_sign_in_with_a_code_that_works_once(client, auth):
    user = create_user("pr@example.kr", role=Role.PR)
    auth.login("pr@example.kr")
    secret = _enrol(client)
    assert db.session.get(User, user.id).totp_secret == secret
    auth.logout()

    response = auth.login("pr@example.kr")
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/").status_code == 302  # the password alone does not sign anyone in
    wrong = _post(client, "/login/code", code="123456").get_data(as_text=True)
    assert "코드가 맞지 않거나" in wrong
    # The enrolment used this step's code; the next step's is accepted (one step of drift).
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert _post(client, "/login/code", code=code).status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    auth.login("pr@example.kr")
    replay = _post(client, "/login/code", code=code)
    assert replay.status_code == 200 and "이미 쓴 코드" in replay.get_data(as_text=True)


def test_a_code_is_accepted_once_and_with_a_little_clock_drift(app):
    user = create_user("pr@example.kr")
    user.totp_secret = pyotp.random_base32()
    now = time.time()
    totp = pyotp.TOTP(user.totp_secret)
    assert not two_factor.accept(user, totp.at(now - 90), at=now)  # three steps old
    assert two_factor.accept(user, totp.at(now - 30), at=now)  # a phone a step behind
    assert not two_factor.accept(user, totp.at(now - 30), at=now)  # used
    assert not two_factor.accept(user, "12345", at=now)  # not six digits


def test_a_role_that_requires_it_enrols_before_anything_else(app, make_app):
    app = make_app(TWO_FACTOR_REQUIRED_ROLES=frozenset({"admin"}))  # cleaned up by `app`
    client = app.test_client()
    with app.app_context():
        create_user("admin@example.kr", role=Role.ADMIN)
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"email": "admin@example.kr", "password": "correct horse battery",
              "csrf_token": _token(page)},
    )  # fmt: skip
    assert response.headers["Location"].endswith("/account/two-factor")
    assert client.get("/admin/users").headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "켜야 서비스를 쓸 수 있습니다" in page
    with app.app_context():
        _enrol(client)
    assert client.get("/admin/users").status_code == 200
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "필수라서 끌 수 없습니다" in page and 'value="disable"' not in page


def test_an_admin_resets_a_lost_phone(client, auth, sign_in):
    staff = create_user("pr@example.kr")
    staff.totp_secret = pyotp.random_base32()
    db.session.commit()
    sign_in(Role.ADMIN)
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "2단계 인증 초기화" in page
    response = client.post(
        f"/admin/users/{staff.id}/two-factor/reset", data={"csrf_token": _token(page)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.id).totp_secret is None


@pytest.mark.parametrize("role", [Role.PR, Role.DEPARTMENT])
def test_only_admins_reset_two_factor(client, sign_in, role):
    staff = create_user("other@example.kr")
    sign_in(role)
    page = client.get("/").get_data(as_text=True)
    response = client.post(
        f"/admin/users/{staff.id}/two-factor/reset", data={"csrf_token": _token(page)}
    )
    assert response.status_code == 403
