import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pcrm.auth.models import Role
from pcrm.extensions import db
from tests.factories import PASSWORD, create_user

WRONG = "이메일 또는 비밀번호가 올바르지 않습니다."


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)


def test_sign_in_shows_the_dashboard_and_sign_out_ends_the_session(client, auth):
    create_user("pr@example.kr", name="공보 김")
    response = auth.login("PR@example.kr ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "대시보드" in page and "공보 김" in page

    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert "로그아웃했습니다." in client.get("/login").get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/login")


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, auth, csrf_token):
    create_user("pr@example.kr")
    assert client.get("/projects/").headers["Location"] == "/login?next=%2Fprojects%2F"
    form = {"email": "pr@example.kr", "password": PASSWORD, "csrf_token": csrf_token()}
    assert client.post("/login?next=/projects/", data=form).headers["Location"] == "/projects/"

    auth.logout()
    form["csrf_token"] = csrf_token()
    assert client.post("/login?next=//evil.example/", data=form).headers["Location"] == "/"


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(client, auth):
    create_user("pr@example.kr")
    wrong_password = auth.login("pr@example.kr", "not the password")
    unknown = auth.login("nobody@example.kr", "not the password")
    assert wrong_password.status_code == unknown.status_code == 200
    assert WRONG in wrong_password.get_data(as_text=True)
    wrong_page = _without_token(wrong_password.get_data(as_text=True)).replace("pr@", "X@")
    unknown_page = _without_token(unknown.get_data(as_text=True)).replace("nobody@", "X@")
    assert wrong_page == unknown_page
    assert client.get("/").status_code == 302


def test_an_inactive_account_cannot_sign_in(client, auth):
    user = create_user("pr@example.kr")
    user.active = False
    db.session.commit()
    response = auth.login("pr@example.kr")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)


def test_a_deactivated_account_loses_its_open_session(client, auth):
    user = create_user("pr@example.kr")
    auth.login("pr@example.kr")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").headers["Location"].startswith("/login")


THROTTLED = "로그인 시도가 너무 많습니다."


def test_failed_sign_ins_are_throttled_with_when_to_try_again(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    create_user("pr@example.kr")
    for _ in range(3):
        assert auth.login("pr@example.kr", "wrong password").status_code == 200
    response = auth.login("pr@example.kr")  # even the right password waits now
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert THROTTLED in page
    shown = re.search(r"(\d\d:\d\d) 이후에 다시 시도하세요", page).group(1)
    seoul = datetime.now(ZoneInfo("Asia/Seoul"))
    assert shown in {(seoul + timedelta(minutes=m)).strftime("%H:%M") for m in (1, 2)}
    assert 0 < int(response.headers["Retry-After"]) <= 120
    assert 'name="password"' in page  # the form is there to try again later
    assert client.get("/login").status_code == 200  # the form itself stays readable


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    create_user("pr@example.kr")
    for _ in range(4):
        assert auth.login("pr@example.kr").status_code == 302
        auth.logout()


def _attempt_from(client, address: str, email: str, password: str = "wrong password"):
    headers = {"X-Forwarded-For": address}
    page = client.get("/login", headers=headers).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=form, headers=headers)


def test_a_stranger_cannot_lock_a_colleague_out(app, make_app):
    create_user("pr@example.kr")
    behind_proxy = make_app(PROXY_COUNT=1)
    stranger, colleague = behind_proxy.test_client(), behind_proxy.test_client()
    answers = [_attempt_from(stranger, "203.0.113.5", "pr@example.kr") for _ in range(20)]
    assert answers[0].status_code == 200 and answers[-1].status_code == 429
    assert THROTTLED in answers[-1].text

    signed_in = _attempt_from(colleague, "198.51.100.7", "pr@example.kr", PASSWORD)
    assert signed_in.status_code == 302
    assert colleague.get("/", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200


def test_the_rate_limit_is_kept_in_redis(app, auth, monkeypatch):
    from redis import Redis

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    auth.login("nobody@example.kr", "wrong password")
    keys = Redis.from_url(app.config["REDIS_URL"]).keys("LIMITS*")
    assert keys, "no rate-limit counters in Redis"


def test_login_and_logout_need_the_csrf_token(client, auth):
    create_user("pr@example.kr")
    form = {"email": "pr@example.kr", "password": PASSWORD}
    refused = client.post("/login", data=form)
    assert refused.status_code == 400
    assert client.get("/").status_code == 302

    auth.login("pr@example.kr")
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def _session_cookie(response) -> str:
    cookies = response.headers.getlist("Set-Cookie")
    return next(c for c in cookies if c.startswith("session="))


def test_the_session_cookie_is_httponly_and_samesite(client, auth):
    create_user("pr@example.kr")
    cookie = _session_cookie(auth.login("pr@example.kr"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    create_user("pr@example.kr")
    assert "Secure" in _session_cookie(auth.login("pr@example.kr"))


def test_department_staff_see_their_department_in_the_header(client, sign_in):
    user = sign_in(Role.DEPARTMENT)
    page = client.get("/").get_data(as_text=True)
    assert f"{user.name} · {user.department.name_ko}" in page


def test_behind_a_proxy_each_visitor_has_their_own_login_limit(make_app):
    client = make_app(PROXY_COUNT=1, LOGIN_ADDRESS_RATE_LIMIT="2 per minute").test_client()

    def attempt(address: str, email: str) -> int:
        return _attempt_from(client, address, email).status_code

    assert attempt("203.0.113.5", "a@example.kr") == 200
    assert attempt("203.0.113.5", "b@example.kr") == 200
    assert attempt("203.0.113.5", "c@example.kr") == 429
    assert attempt("198.51.100.7", "d@example.kr") == 200  # someone else is not locked out
