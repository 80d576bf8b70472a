"""The registry's own e-mails (the confirmation link, a preferences link) go through the e-mail
channel, the same sending path as campaigns: what reaches the relay, and what a refusal does."""

import email
from email import policy
from email.utils import parseaddr

import pytest

from pcrm.extensions import db
from pcrm.messaging import mail
from pcrm.subscribers import notices
from pcrm.subscribers.jobs import send_notice
from pcrm.subscribers.models import NoticeKind
from tests.messaging.conftest import Relay
from tests.subscribers.factories import create_subscriber

pytestmark = pytest.mark.usefixtures("app")


def owed(kind=NoticeKind.PREFERENCES_LINK, email_address="minseo@example.com"):
    notice = notices.owe_notice(create_subscriber(email=email_address), kind)
    db.session.commit()
    return notice


def parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_a_notice_goes_through_the_e_mail_channel_to_one_person_without_list_headers(
    app, smtp_server, monkeypatch
):
    sessions = []
    real_session = mail.EmailChannel.session
    monkeypatch.setattr(
        mail.EmailChannel, "session", lambda self: sessions.append(self) or real_session(self)
    )
    notice = owed(NoticeKind.CONFIRM_EMAIL)
    send_notice(notice.id)
    assert len(sessions) == 1  # the channel's session, not a helper of its own
    (envelope,) = smtp_server
    sender = parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]
    assert envelope.mail_from == sender and envelope.rcpt_tos == ["minseo@example.com"]
    message = parsed(envelope)
    assert str(message["Subject"]) == "[성동구] 이메일 수신 동의를 확인해 주세요"
    assert message["Message-ID"] == f"<mnotice-{notice.id}.registry@{app.config['MAIL_DOMAIN']}>"
    for bulk_header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence"):
        assert message[bulk_header] is None
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "/join/confirm/" in text
    assert message.get_body(preferencelist=("html",)) is not None
    db.session.expire_all()
    assert notice.sent_at is not None and notice.failed_at is None


def test_a_notice_to_a_korean_domain_goes_to_its_punycode_address(smtp_server):
    notice = owed(email_address="minseo@성동구.kr")
    send_notice(notice.id)
    (envelope,) = smtp_server
    assert envelope.rcpt_tos == ["minseo@xn--2e0bw5j1qm.kr"]
    db.session.expire_all()
    assert notice.sent_at is not None


def relay_answering(app, monkeypatch, reply: str) -> Relay:
    """A relay on loopback answering every recipient with `reply`, the app sending to it."""
    relay = Relay()
    relay.refuse_all = reply
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", relay.up())
    return relay


def test_a_relay_that_says_try_later_leaves_the_notice_owed_for_another_try(app, monkeypatch):
    relay = relay_answering(app, monkeypatch, "451 4.3.2 try again later")
    notice = owed()
    try:
        with pytest.raises(notices.RelayUnavailable, match="451"):
            notices.deliver(notice)
    finally:
        relay.down()
    assert notice.sent_at is None and notice.failed_at is None


def test_a_relay_that_is_down_is_worth_another_try(app, monkeypatch):
    relay = Relay()
    port = relay.up()
    relay.down()  # nobody listens on the port any more
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    with pytest.raises(notices.RelayUnavailable):
        notices.deliver(owed())


def test_a_relay_that_refuses_the_address_for_good_ends_the_notice_failed(app, monkeypatch):
    relay = relay_answering(app, monkeypatch, "550 5.1.1 no such user")
    notice = owed()
    try:
        send_notice(notice.id)
        send_notice(notice.id)
    finally:
        relay.down()
    db.session.expire_all()
    assert notice.failed_at is not None and notice.sent_at is None
    assert "550" in notice.failure and "no such user" in notice.failure
