"""A returned message goes one path: parsed, matched to our message, applied once."""

from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus, Suppression
from pcrm.messaging.service import is_suppressed
from pcrm.subscribers.models import AddressStatus
from tests.campaigns.factories import launched_campaign, send_all


def dsn(token: str, recipient: str, status: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.example.org\r\n"
        f"To: bounces+{token}@pcrm.example.org\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        f"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n\r\n"
        f"--b--\r\n"
    ).encode()


def test_a_hard_bounce_suppresses_the_address_once(app):
    campaign, _ = launched_campaign(recipients=2)
    send_all(campaign)

    message = db.session.scalars(db.select(Message).order_by(Message.id)).first()
    raw = dsn(message.token, message.address, "5.1.1")

    first = ingest(raw, source="test")
    again = ingest(raw, source="test")

    assert first.state is InboundState.APPLIED and not first.duplicate
    assert again.duplicate
    assert db.session.scalar(db.select(db.func.count()).select_from(InboundMail)) == 1
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_HARD
    assert message.subscriber.email_status is AddressStatus.BOUNCED
    assert is_suppressed("email", message.address)
    assert db.session.scalar(db.select(db.func.count()).select_from(Suppression)) == 1


def test_a_bounce_naming_nothing_of_ours_changes_nothing(app):
    result = ingest(dsn("x" * 20, "nobody@example.org", "5.1.1"), source="test")
    assert result.state is InboundState.UNMATCHED
    assert db.session.scalar(db.select(db.func.count()).select_from(Suppression)) == 0


def test_a_reply_is_left_for_a_person(app):
    result = ingest(b"From: a@example.org\r\nSubject: Re: survey\r\n\r\nThanks!\r\n", source="t")
    assert result.state is InboundState.NOT_BOUNCE
