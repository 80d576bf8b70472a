"""Provider webhooks: SES notifications through SNS (signature, certificate URL, topic) and the
signed JSON webhook (HMAC, timestamp). A refused request says why and changes nothing."""

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from pcrm.bounces import signed, sns
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.extensions import db
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus, Suppression
from pcrm.messaging.service import is_suppressed
from tests.bounces.certificates import self_signed
from tests.campaigns.factories import launched_campaign, send_all

TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:pcrm-ses"
CERT_URL = "https://sns.ap-northeast-2.amazonaws.com/SimpleNotificationService-abc.pem"
SECRET = "relay-secret"


def _key_and_certificate():
    return self_signed("sns.amazonaws.com")


KEY, PEM = _key_and_certificate()


@pytest.fixture(autouse=True)
def _relay(smtp_server):
    """A real SMTP server: our messages go out and carry our Message-ID."""
    return smtp_server


@pytest.fixture
def fetched(app, monkeypatch):
    """Our own certificate served for CERT_URL (only the fetch is replaced); the URLs asked."""
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return PEM

    sns._certificates.clear()
    monkeypatch.setattr(sns, "fetch_certificate", fetch)
    monkeypatch.setitem(app.config, "SES_SNS_TOPIC_ARNS", (TOPIC,))
    return asked


def sns_message(kind: str, version: str = "2", key=KEY, **fields) -> dict:
    message = {
        "Type": kind,
        "MessageId": "6a1d0b4e-0000-4000-8000-000000000001",
        "TopicArn": TOPIC,
        "Message": "{}",
        "Timestamp": "2026-11-30T10:00:00.000Z",
        "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
    } | fields
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303  (SNS v1)
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), digest)
    return message | {"Signature": base64.b64encode(signature).decode()}


def ses_bounce(message: Message, bounce_type: str = "Permanent", status: str = "5.1.1") -> str:
    return json.dumps({
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": message.address, "status": status, "action": "failed",
                 "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
            ],
        },
        "mail": {
            "messageId": "0100018c-ses-own-id",
            "source": f"bounces+{message.token}@pcrm.local",
            "commonHeaders": {"subject": "설문 안내"},
        },
    })  # fmt: skip


def _sent_message() -> Message:
    campaign, _ = launched_campaign(recipients=2)
    send_all(campaign)
    message = db.session.scalars(db.select(Message).order_by(Message.id)).first()
    assert message.status is MessageStatus.SENT
    return message


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _post_sns(client, message: dict):
    return client.post(
        "/webhooks/ses", data=json.dumps(message), content_type="text/plain; charset=UTF-8"
    )


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_permanent_ses_bounce_suppresses_the_address_once(client, fetched, version):
    message = _sent_message()
    notification = sns_message("Notification", version, Message=ses_bounce(message))

    first = _post_sns(client, notification)
    again = _post_sns(client, notification)  # SNS retries: the same notification again

    assert first.status_code == 200 and first.json == {"result": "applied"}
    assert again.json == {"result": "duplicate"}
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_HARD
    assert is_suppressed("email", message.address)
    inbound = db.session.scalars(db.select(InboundMail)).one()
    assert (inbound.source, inbound.status, inbound.state) == ("ses", "5.1.1", InboundState.APPLIED)
    assert json.loads(inbound.raw)["notificationType"] == "Bounce"  # the evidence, as sent
    assert fetched == [CERT_URL]  # fetched once, then cached


def test_a_transient_bounce_is_soft_and_a_full_mailbox_never_hard(client, fetched):
    message = _sent_message()
    for bounce_type, status in (("Transient", "4.4.7"), ("Permanent", "5.2.2")):
        body = ses_bounce(message, bounce_type, status)
        assert _post_sns(client, sns_message("Notification", Message=body)).status_code == 200

    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_SOFT
    assert not is_suppressed("email", message.address)


def test_a_complaint_matched_by_our_message_id_suppresses_the_address(client, fetched, smtp_server):
    message = _sent_message()
    complaint = json.dumps({
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": message.address}],
                      "complaintFeedbackType": "abuse"},
        "mail": {"messageId": "ses-id", "source": "survey@pcrm.local",
                 "headers": [{"name": "Message-ID", "value": message.provider_id}]},
    })  # fmt: skip

    response = _post_sns(client, sns_message("Notification", Message=complaint))

    assert message.provider_id.startswith("<m")  # what our mail said in its Message-ID
    assert response.json == {"result": "applied"}
    assert _count(Event, Event.kind == EventKind.COMPLAINT, Event.message_id == message.id) == 1
    assert is_suppressed("email", message.address)


def test_a_delivery_notification_changes_nothing(client, fetched):
    delivery = json.dumps({"notificationType": "Delivery", "mail": {}, "delivery": {}})
    response = _post_sns(client, sns_message("Notification", Message=delivery))
    assert response.json == {"result": "nothing to do"}
    assert _count(InboundMail) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.ap-northeast-2.amazonaws.com.evil.example/cert.pem",
        "http://sns.ap-northeast-2.amazonaws.com/cert.pem",
        "https://evil.example/sns.ap-northeast-2.amazonaws.com/cert.pem",
        "https://sns.ap-northeast-2.amazonaws.com/cert.txt",
        "https://sns.ap-northeast-2.amazonaws.com:8443/cert.pem",
    ],
)
def test_a_certificate_off_the_sns_host_is_refused_unfetched(client, fetched, url):
    message = _sent_message()
    forged = sns_message("Notification", Message=ses_bounce(message), SigningCertURL=url)

    response = _post_sns(client, forged)

    assert response.status_code == 403
    assert response.json["error"] == "서명 인증서 주소가 Amazon SNS 주소가 아닙니다."
    assert fetched == []
    assert _nothing_changed(message)


def test_a_wrong_signature_is_refused(client, fetched):
    message = _sent_message()
    other_key, _ = _key_and_certificate()
    forged = sns_message("Notification", key=other_key, Message=ses_bounce(message))
    tampered = sns_message("Notification", Message=ses_bounce(message))
    tampered["Message"] = tampered["Message"].replace("Permanent", "Transient")

    for body in (forged, tampered):
        response = _post_sns(client, body)
        assert response.status_code == 403
        assert response.json["error"] == "SNS 서명이 맞지 않습니다."
    assert _nothing_changed(message)


def test_a_certificate_that_cannot_be_fetched_asks_sns_to_retry(client, fetched, monkeypatch):
    message = _sent_message()

    def unreachable(url: str) -> bytes:
        raise sns.httpx.ConnectError("no route to host")

    monkeypatch.setattr(sns, "fetch_certificate", unreachable)
    response = _post_sns(client, sns_message("Notification", Message=ses_bounce(message)))
    assert response.status_code == 502  # SNS delivers it again later
    assert _nothing_changed(message)

    monkeypatch.setattr(sns, "fetch_certificate", lambda url: b"not a certificate")
    response = _post_sns(client, sns_message("Notification", Message=ses_bounce(message)))
    assert response.status_code == 403
    assert _nothing_changed(message)


def test_a_topic_that_is_not_ours_is_refused(client, fetched, app):
    message = _sent_message()
    other = sns_message(
        "Notification", Message=ses_bounce(message), TopicArn=TOPIC.replace("pcrm", "x")
    )
    response = _post_sns(client, other)
    assert response.status_code == 403
    assert "TopicArn" in response.json["error"]
    assert _nothing_changed(message)


def test_a_subscription_is_confirmed_only_on_the_sns_host(client, fetched, monkeypatch):
    visited: list[str] = []

    class Answer:
        def raise_for_status(self):
            return None

    monkeypatch.setattr(sns.httpx, "get", lambda url, **kw: visited.append(url) or Answer())
    good = "https://sns.ap-northeast-2.amazonaws.com/?Action=ConfirmSubscription&Token=t"
    evil = "https://evil.example/?Action=ConfirmSubscription&Token=t"

    refused = _post_sns(
        client, sns_message("SubscriptionConfirmation", SubscribeURL=evil, Token="t")
    )
    confirmed = _post_sns(
        client, sns_message("SubscriptionConfirmation", SubscribeURL=good, Token="t")
    )

    assert refused.status_code == 403
    assert confirmed.json == {"result": "subscription confirmed"}
    assert visited == [good]


def test_malformed_and_oversized_sns_posts_are_refused(client, fetched, app):
    assert client.post("/webhooks/ses", data=b"{not json").status_code == 422
    assert client.post("/webhooks/ses", data=b"[1, 2]").status_code == 422
    assert _post_sns(client, {"Type": "Notification"}).status_code == 403
    not_json = _post_sns(client, sns_message("Notification", Message="<bounce/>"))
    assert not_json.status_code == 422 and "JSON" in not_json.json["error"]
    no_recipients = json.dumps({"notificationType": "Bounce", "bounce": {}, "mail": {}})
    response = _post_sns(client, sns_message("Notification", Message=no_recipients))
    assert response.status_code == 422 and "bouncedRecipients" in response.json["error"]
    big = b"{" + b" " * app.config["BOUNCE_WEBHOOK_MAX_BYTES"] + b"}"
    response = client.post("/webhooks/ses", data=big)
    assert response.status_code == 413 and "바이트" in response.json["error"]
    assert _count(InboundMail) == 0


def _nothing_changed(message: Message) -> bool:
    db.session.refresh(message)
    return (
        message.status is MessageStatus.SENT
        and _count(InboundMail) == 0
        and _count(Suppression) == 0
        and _count(Event, Event.kind == EventKind.BOUNCE) == 0
    )


# The signed JSON webhook


@pytest.fixture
def secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "BOUNCE_WEBHOOK_SECRET", SECRET)
    return SECRET


def _post_signed(client, body: bytes, *, at: float | None = None, key: str = SECRET):
    timestamp = str(int(at if at is not None else time.time()))
    headers = {
        "X-PCRM-Timestamp": timestamp,
        "X-PCRM-Signature": signed.signature(key, timestamp, body),
    }
    return client.post(
        "/webhooks/bounces", data=body, headers=headers, content_type="application/json"
    )


def _events(*events: dict) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def test_a_signed_hard_bounce_is_applied_once(client, secret):
    message = _sent_message()
    body = _events({
        "id": "evt-1", "type": "hard", "recipient": message.address, "status": "5.1.1",
        "message_id": message.provider_id, "diagnostic": "550 user unknown",
    })  # fmt: skip

    first = _post_signed(client, body)
    replay = _post_signed(client, body)

    assert first.status_code == 200 and first.json == {"results": ["applied"]}
    assert replay.json == {"results": ["duplicate"]}
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_HARD
    assert is_suppressed("email", message.address)
    assert _count(Event, Event.kind == EventKind.BOUNCE) == 1


def test_a_signed_event_naming_nothing_of_ours_is_left_unmatched(client, secret):
    body = _events({"type": "soft", "recipient": "someone@example.org"})
    assert _post_signed(client, body).json == {"results": ["unmatched"]}
    assert _count(Suppression) == 0


def test_wrong_stale_or_unsigned_requests_are_refused(client, secret):
    message = _sent_message()
    body = _events(
        {"type": "hard", "recipient": message.address, "message_id": message.provider_id}
    )

    wrong = _post_signed(client, body, key="not-the-secret")
    stale = _post_signed(client, body, at=time.time() - 301)
    future = _post_signed(client, body, at=time.time() + 301)
    unsigned = client.post("/webhooks/bounces", data=body, content_type="application/json")

    assert wrong.status_code == 403 and wrong.json["error"] == "서명이 맞지 않습니다."
    assert stale.status_code == 403 and "5분" in stale.json["error"]
    assert future.status_code == 403
    assert unsigned.status_code == 403 and "X-PCRM-Timestamp" in unsigned.json["error"]
    assert _nothing_changed(message)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{oops", "JSON이 아닙니다"),
        (b'{"events": []}', "events 목록"),
        (b'{"events": [{"type": "hard"}]}', "recipient"),
        (b'{"events": [{"type": "deleted", "recipient": "a@b.kr"}]}', "type"),
        (b'{"events": [{"type": "hard", "recipient": "a@b.kr", "status": "550"}]}', "status"),
        (b'{"events": [{"type": "hard", "recipient": "a@b.kr", "message_id": 5}]}', "문자열"),
    ],
)
def test_malformed_signed_events_are_refused_with_the_reason(client, secret, body, reason):
    message = _sent_message()
    good = {"type": "hard", "recipient": message.address, "message_id": message.provider_id}
    if body.startswith(b'{"events": [{'):  # a bad event after a good one: none is taken
        body = body.replace(b'{"events": [', b'{"events": [' + json.dumps(good).encode() + b", ")

    response = _post_signed(client, body)

    assert response.status_code == 422
    assert reason in response.json["error"]
    assert _nothing_changed(message)


def test_an_oversized_signed_request_and_a_missing_secret_are_refused(client, app, monkeypatch):
    body = _events({"type": "soft", "recipient": "a@b.kr", "diagnostic": "x" * 300_000})
    monkeypatch.setitem(app.config, "BOUNCE_WEBHOOK_SECRET", SECRET)
    assert _post_signed(client, body).status_code == 413
    monkeypatch.setitem(app.config, "BOUNCE_WEBHOOK_SECRET", None)
    response = _post_signed(client, _events({"type": "soft", "recipient": "a@b.kr"}))
    assert response.status_code == 403 and "BOUNCE_WEBHOOK_SECRET" in response.json["error"]
    assert _count(InboundMail) == 0
