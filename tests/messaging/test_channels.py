"""E-mail and SMS behind one channel interface: build, send over one session, classify refusals."""

import json

import pytest

from pcrm.embedded import free_port
from pcrm.messaging.channels import Accepted, ChannelDown, Content, Refusal, Unsendable
from pcrm.messaging.mail import EmailChannel
from pcrm.messaging.sms import OutboxProvider, SmsChannel

CONTENT = Content(subject="마을버스 설문", text="설문에 참여해 주세요", html="<p>설문</p>")


def _email(channel, number, to):
    return channel.build(
        message_id=number, token=f"t{number}", to=to, name="홍길동", content=CONTENT,
        unsubscribe_url=f"https://pcrm.test/u/t{number}/one-click",
    )  # fmt: skip


def test_email_session_classifies_each_refusal_and_keeps_the_connection(relay):
    relay.answers["gone@example.com"] = "550 5.1.1 no such user"
    relay.answers["full@example.com"] = "452 4.2.2 mailbox full"
    channel = EmailChannel(list_id="campaign-7")
    addresses = ["a@example.com", "gone@example.com", "full@example.com", "b@example.com"]
    with channel.session() as session:
        outcomes = session.send_many([_email(channel, n, to) for n, to in enumerate(addresses)])
    accepted, gone, full, later = outcomes
    assert accepted == Accepted("<m0.campaign-7@pcrm.local>") and isinstance(later, Accepted)
    assert gone == Refusal(code=550, reason="5.1.1 no such user", permanent=True)
    assert full == Refusal(code=452, reason="4.2.2 mailbox full", permanent=False)
    assert relay.recipients == ["a@example.com", "b@example.com"]
    assert relay.received[0][2]["Subject"] == "마을버스 설문"


def test_email_to_a_relay_that_is_down_is_the_channels_failure_not_the_recipients(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    channel = EmailChannel(list_id="campaign-7")
    message = _email(channel, 1, "a@example.com")
    with pytest.raises(ChannelDown), channel.session() as session:
        session.send(message)


def test_email_that_cannot_be_built_for_its_recipient_is_unsendable(app):
    with pytest.raises(Unsendable, match="@ 앞부분"):
        _email(EmailChannel(list_id="campaign-7"), 1, "홍길동@example.com")


def test_text_only_content_makes_a_plain_text_email(relay):
    channel = EmailChannel(list_id="notice")
    message = channel.build(
        message_id=1, token="t", to="a@example.com", name=None,
        content=Content(subject="안내", text="본문만 있습니다"), unsubscribe_url="https://pcrm.test/u",
    )  # fmt: skip
    with channel.session() as session:
        assert isinstance(session.send(message), Accepted)
    parts = [part.get_content_type() for part in relay.received[0][2].iter_parts()]
    assert parts == ["text/plain"]


def _sms(channel, number, text, subject=None):
    return channel.build(
        message_id=number, token=f"t{number}", to=f"+8210000000{number:02d}", name=None,
        content=Content(subject=subject, text=text), unsubscribe_url="https://pcrm.test/r/x",
    )  # fmt: skip


class CountingOutbox(OutboxProvider):
    """The outbox provider, counting provider calls: a batch must be one call."""

    calls = 0

    def send_batch(self, messages):
        self.calls += 1
        return super().send_batch(messages)


def test_sms_batch_goes_in_one_provider_call_and_reads_back_as_delivered(app, tmp_path):
    provider = CountingOutbox(tmp_path)
    channel = SmsChannel(provider)
    short = _sms(channel, 1, "[성동구] 설문에 참여해 주세요")
    long = _sms(channel, 2, "가" * 46, subject="설문 안내")
    assert (short.kind, short.subject) == ("sms", None)
    assert (long.kind, long.subject) == ("lms", "설문 안내")
    with channel.session() as session:
        outcomes = session.send_many([short, long])
    assert provider.calls == 1 and all(isinstance(o, Accepted) for o in outcomes)
    kept = sorted(json.loads(path.read_text())["to"] for path in tmp_path.iterdir())
    assert kept == ["+821000000001", "+821000000002"]
    ids = [o.provider_id for o in outcomes]
    results = channel.delivery_results([*ids, "outbox-unknown"])
    assert [(r.provider_id, r.delivered) for r in results] == [(ids[0], True), (ids[1], True)]


def test_sms_text_no_provider_can_carry_is_unsendable_when_built(app, tmp_path):
    channel = SmsChannel(OutboxProvider(tmp_path))
    with pytest.raises(Unsendable, match="보낼 수 없는 글자"):
        _sms(channel, 1, "설문 참여 감사합니다 🙏")
    with pytest.raises(Unsendable, match="2,000바이트"):
        _sms(channel, 2, "가" * 1001)
    assert not list(tmp_path.iterdir())
