"""An admin creates staff without typing a password; the new staff member sets one from an
unguessable, expiring, single-use link sent by e-mail (real RQ worker, real SMTP server)."""

import email
import re
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select, update

from pcrm.auth.models import Role, StaffInvitation, User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.queue import URGENT
from pcrm.worker import run_worker
from tests.factories import create_department

NEW_PASSWORD = "my own secret 2026"


def _work(app):
    run_worker(app, (URGENT,), with_scheduler=False, burst=True)


def _link(envelope) -> str:
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/welcome/\S+", text).group()


def _path(link: str) -> str:
    return link[link.index("/welcome/") :]


@pytest.fixture
def invited(app, client, sign_in, csrf_token, smtp_server):
    """An admin invites a department officer; returns the link the officer received."""
    sign_in(Role.ADMIN)
    transport = create_department("교통행정과")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page  # the admin types no password
    form = {
        "csrf_token": csrf_token("/admin/users/new"),
        "email": "bus@example.kr",
        "name": "버스 담당",
        "role": "department",
        "department": transport.id,
    }
    response = client.post("/admin/users/new", data=form)
    user = db.session.scalar(select(User).where(User.email == "bus@example.kr"))
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    _work(app)
    (envelope,) = smtp_server
    assert envelope.rcpt_tos == ["bus@example.kr"]
    return _link(envelope)


def test_the_new_officer_sets_a_password_once_and_signs_in(app, client, auth, invited):
    page = client.get(f"/admin/users/{_user().id}").get_data(as_text=True)
    assert "초대 메일을 보냈습니다" in page and "초대 취소" in page
    assert "초대함 (비밀번호 정하기 전)" in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    assert auth.login("bus@example.kr", "").status_code == 200  # no password works yet

    path = _path(invited)
    page = client.get(path).get_data(as_text=True)
    assert "버스 담당님, 성동구 정책고객관리에 오신 것을 환영합니다" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    mismatch = {"csrf_token": token, "password": NEW_PASSWORD, "confirm": "something else"}
    refused = client.post(path, data=mismatch)
    assert refused.status_code == 422 and "두 비밀번호가 다릅니다." in refused.get_data(True)
    done = client.post(path, data=mismatch | {"confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/login"
    assert auth.login("bus@example.kr", NEW_PASSWORD).status_code == 302

    auth.logout()
    again = client.get(path)
    assert again.status_code == 410 and "이미 쓴 링크입니다" in again.get_data(as_text=True)
    # Only a digest of the token is stored.
    token_in_link = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(StaffInvitation.token_digest)) != token_in_link


def _user() -> User:
    return db.session.scalar(select(User).where(User.email == "bus@example.kr"))


def test_an_expired_link_says_so(client, auth, invited):
    db.session.execute(update(StaffInvitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    auth.logout()
    response = client.get(_path(invited))
    assert response.status_code == 410
    assert "기한이 지난 링크입니다" in response.get_data(as_text=True)
    assert 'type="password"' not in response.get_data(as_text=True)


def test_resending_makes_the_old_link_stop_and_revoking_stops_the_new(
    app, client, csrf_token, invited, smtp_server
):
    user = _user()
    token = csrf_token(f"/admin/users/{user.id}")
    response = client.post(f"/admin/users/{user.id}/invitation", data={"csrf_token": token})
    assert response.status_code == 302
    _work(app)
    newer = _link(smtp_server[-1])
    assert newer != invited
    old = client.get(_path(invited))
    assert old.status_code == 410 and "더 이상 쓸 수 없는 링크입니다" in old.get_data(True)
    assert client.get(_path(newer)).status_code == 200

    client.post(f"/admin/users/{user.id}/invitation/revoke", data={"csrf_token": token})
    assert client.get(_path(newer)).status_code == 410


def test_a_made_up_link_is_a_plain_404(client, app):
    assert client.get("/welcome/" + "x" * 43).status_code == 404


def test_the_invitation_job_sends_once(app, smtp_server, invited):
    from pcrm.auth.jobs import send_invitation

    invitation = db.session.scalar(select(StaffInvitation))
    send_invitation(invitation.id)
    send_invitation(invitation.id)
    assert len(smtp_server) == 1  # the fixture's e-mail, and nothing more
