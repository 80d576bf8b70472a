"""Staff sessions end when they should: sign-out, a password change, an admin, old age."""

from datetime import timedelta
from pathlib import Path

from pcrm.auth.models import Role, StaffSession
from pcrm.config import from_environment
from pcrm.extensions import db
from pcrm.subscribers.models import AccessAction, AccessLog
from tests.conftest import AuthActions
from tests.conftest import _csrf_token as actions_token
from tests.factories import PASSWORD, PRODUCTION_ENVIRON, create_user


def _signed_in(app, email: str, remember: bool = False):
    """A new browser (its own cookies) signed in through the form as `email`."""
    client = app.test_client()
    token = actions_token(client.get("/login").text)
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        form["remember"] = "y"
    assert client.post("/login", data=form).status_code == 302
    return client, AuthActions(client)


def _browser_with(app, **cookies):
    """A browser holding only these (captured) cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _is_signed_in(client) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.headers["Location"].startswith("/login")
    return False


def test_a_captured_session_cookie_is_refused_after_sign_out(app):
    create_user("pr@example.kr")
    client, actions = _signed_in(app, "pr@example.kr")
    captured = _cookie(client, "session")
    assert _is_signed_in(_browser_with(app, session=captured))

    actions.logout()
    assert not _is_signed_in(client)
    assert not _is_signed_in(_browser_with(app, session=captured))


def test_the_remember_cookie_is_new_at_every_sign_in_and_dies_with_sign_out(app):
    create_user("pr@example.kr")
    first, first_actions = _signed_in(app, "pr@example.kr", remember=True)
    second, _ = _signed_in(app, "pr@example.kr", remember=True)
    remembered = _cookie(first, "remember_token")
    assert remembered != _cookie(second, "remember_token")
    assert _is_signed_in(_browser_with(app, remember_token=remembered))

    first_actions.logout()
    assert not _is_signed_in(_browser_with(app, remember_token=remembered))
    assert _is_signed_in(second)  # signing out on one computer leaves the other signed in


def test_a_password_change_ends_the_sessions_that_knew_the_old_one(app, client, sign_in):
    create_user("pr@example.kr")
    staff, _ = _signed_in(app, "pr@example.kr", remember=True)
    remembered, session = _cookie(staff, "remember_token"), _cookie(staff, "session")
    admin = sign_in(Role.ADMIN)
    user = db.session.scalar(db.select(StaffSession)).user
    page = client.get(f"/admin/users/{user.id}").text
    form = {
        "csrf_token": actions_token(page),
        "name": user.name,
        "role": "pr",
        "department": 0,
        "active": "y",
        "password": "a brand new password",
    }
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302

    assert not _is_signed_in(staff)
    assert not _is_signed_in(_browser_with(app, remember_token=remembered))
    assert not _is_signed_in(_browser_with(app, session=session))
    assert _is_signed_in(client), f"{admin.name} changed someone else's password, not theirs"


def test_an_admin_changing_their_own_password_stays_signed_in_here_only(app, client, sign_in):
    admin = sign_in(Role.ADMIN)
    elsewhere, _ = _signed_in(app, admin.email)
    page = client.get(f"/admin/users/{admin.id}").text
    form = {
        "csrf_token": actions_token(page),
        "name": admin.name,
        "role": "admin",
        "department": 0,
        "active": "y",
        "password": "a brand new password",
    }
    assert client.post(f"/admin/users/{admin.id}", data=form).status_code == 302
    assert _is_signed_in(client)
    assert not _is_signed_in(elsewhere)


def test_an_admin_ends_a_staff_members_sessions(app, client, sign_in):
    user = create_user("pr@example.kr", name="공보 김")
    staff, _ = _signed_in(app, "pr@example.kr", remember=True)
    _signed_in(app, "pr@example.kr")
    remembered = _cookie(staff, "remember_token")
    admin = sign_in(Role.ADMIN)
    page = client.get(f"/admin/users/{user.id}").text
    assert "열려 있는 로그인 세션: 2개" in page

    response = client.post(
        f"/admin/users/{user.id}/sessions/end", data={"csrf_token": actions_token(page)}
    )
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert "공보 김 님의 로그인 세션 2개를 끝냈습니다." in client.get(response.location).text
    assert staff.get("/").headers["Location"].startswith("/login")
    assert not _is_signed_in(_browser_with(app, remember_token=remembered))
    assert _is_signed_in(client)

    entry = db.session.scalar(db.select(AccessLog))
    assert entry.action is AccessAction.END_SESSIONS and entry.user_id == admin.id
    assert "pr@example.kr" in entry.what and entry.record_count == 2
    log = client.get("/subscribers/access-log").text
    assert "직원 로그인 세션 종료" in log


def test_ending_sessions_needs_an_admin_and_the_csrf_token(app, client, sign_in):
    user = create_user("dept@example.kr")
    staff, _ = _signed_in(app, "dept@example.kr")
    sign_in(Role.ADMIN)
    assert client.post(f"/admin/users/{user.id}/sessions/end").status_code == 400
    token = actions_token(client.get("/").text)
    assert (
        client.post("/admin/users/999999/sessions/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert _is_signed_in(staff)

    pr_browser, _ = _signed_in(app, create_user("pr2@example.kr").email)
    token = actions_token(pr_browser.get("/").text)
    refused = pr_browser.post(f"/admin/users/{user.id}/sessions/end", data={"csrf_token": token})
    assert refused.status_code == 403
    assert _is_signed_in(staff)


def test_a_sign_in_older_than_the_longest_session_is_refused(app):
    create_user("pr@example.kr")
    staff, _ = _signed_in(app, "pr@example.kr", remember=True)
    row = db.session.scalar(db.select(StaffSession))
    row.created_at -= app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=1)
    db.session.commit()
    assert not _is_signed_in(staff)


def test_the_session_token_is_not_stored_as_is(app):
    create_user("pr@example.kr")
    staff, _ = _signed_in(app, "pr@example.kr")
    row = db.session.scalar(db.select(StaffSession))
    assert row.token_digest not in _cookie(staff, "session")
    assert len(row.token_digest) == 64


def test_production_cookies_are_secure_httponly_and_samesite(app, monkeypatch):
    production = from_environment(Path("/nonexistent"), PRODUCTION_ENVIRON)
    assert production["SESSION_COOKIE_SECURE"] and production["REMEMBER_COOKIE_SECURE"]
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, name, True)
    create_user("pr@example.kr")
    client = app.test_client()
    token = actions_token(client.get("/login").text)
    form = {"email": "pr@example.kr", "password": PASSWORD, "csrf_token": token, "remember": "y"}
    cookies = client.post("/login", data=form).headers.getlist("Set-Cookie")
    for name in ("session", "remember_token"):
        cookie = next(c for c in cookies if c.startswith(f"{name}="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
