"""The local outboxes: mail the SMTP catcher caught, SMS the outbox provider kept."""

import json
from datetime import datetime
from email.message import EmailMessage
from smtplib import SMTP
from zoneinfo import ZoneInfo

import pytest

from pcrm.auth.models import Role
from pcrm.embedded import free_port
from pcrm.messaging import sms
from pcrm.outbox.catcher import start_catcher
from pcrm.outbox.service import mail_dir

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    """An empty instance folder for this test, so the outboxes start empty."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


@pytest.fixture
def catcher(instance):
    controller = start_catcher(mail_dir(), free_port())
    yield controller
    controller.stop()


def _invitation() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "성동구청 <survey@pcrm.local>"
    message["To"] = "resident@example.com"
    message["Subject"] = "마을버스 만족도 조사에 참여해 주세요"
    message["Date"] = "Mon, 30 Nov 2026 01:30:00 -0000"
    message.set_content("설문 링크: https://pcrm.test/s/abc")
    message.add_alternative("<p>설문 <a href='https://pcrm.test/s/abc'>참여하기</a></p>", "html")
    return message


def test_mail_sent_over_smtp_shows_in_the_mail_outbox(client, sign_in, catcher):
    with SMTP(catcher.hostname, catcher.port) as smtp:
        smtp.send_message(_invitation(), from_addr="bounce+1@pcrm.local")
    sign_in(Role.PR)
    listing = client.get("/outbox/mail").text
    assert "마을버스 만족도 조사에 참여해 주세요" in listing and "resident@example.com" in listing
    assert "모두 1통" in listing
    assert "2026-11-30 10:30" in listing  # sent 01:30 UTC, read in Seoul time
    key = listing.split('href="/outbox/mail/')[1].split('"')[0]
    page = client.get(f"/outbox/mail/{key}").text
    assert "설문 링크: https://pcrm.test/s/abc" in page
    assert "X-Envelope-From" in page and "bounce+1@pcrm.local" in page
    assert "sandbox" in page  # the HTML part cannot run scripts
    assert client.get("/outbox/mail/no-such-key").status_code == 404


def test_sms_kept_by_the_outbox_provider_shows_in_the_sms_outbox(client, sign_in, instance):
    result = sms.provider().send(to="+821012345678", text="[성동구] 설문에 참여해 주세요")
    assert result.kind == "sms" and result.provider_id.startswith("outbox-")
    sign_in(Role.PR)
    page = client.get("/outbox/sms").text
    assert "+821012345678" in page and "[성동구] 설문에 참여해 주세요" in page
    (kept,) = (instance / "outbox" / "sms").iterdir()
    sent_at = datetime.fromisoformat(json.loads(kept.read_text())["sent_at"])
    assert sent_at.utcoffset().total_seconds() == 0  # stored in UTC ...
    assert f"{sent_at.astimezone(SEOUL):%Y-%m-%d %H:%M}" in page  # ... shown in Seoul time


def test_empty_outboxes_say_so(client, sign_in, instance):
    sign_in(Role.PR)
    assert "아직 보낸 메일이 없습니다." in client.get("/outbox/mail").text
    assert "아직 보낸 문자가 없습니다." in client.get("/outbox/sms").text


def test_the_outboxes_are_for_pr_staff(client, sign_in, instance):
    sign_in(Role.DEPARTMENT)
    assert client.get("/outbox/mail").status_code == 403
    assert client.get("/outbox/sms").status_code == 403


def test_odd_pages_and_unknown_messages_are_a_plain_404(client, sign_in, instance):
    sign_in(Role.PR)
    for path in ("/outbox/mail?page=99999999999999999999", "/outbox/sms?page=-3"):
        assert client.get(path).status_code == 404
    assert client.get("/outbox/mail/no-such-message").status_code == 404  # nothing caught yet
    page = client.get("/outbox/mail?page=1")
    assert page.status_code == 200 and "?page=0" not in page.text
