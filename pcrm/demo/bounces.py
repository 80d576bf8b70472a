"""Demo bounces from the sent demo campaigns, so the clean-up worklist shows real rows: hard
bounces (some as the receiving server's returned mail, some refused at send time), soft bounces
(one address three times within 30 days, so suppressed), a spam complaint, and a texted number
that does not exist."""

from datetime import timedelta

from sqlalchemy import func, select

from pcrm.bounces import policy
from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import AddressBounce, AddressReview
from pcrm.bounces.report import BounceKind
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.subscribers.models import Channel, Subscriber

HARD = 4
MAILBOX = "demo:bounce-mailbox"
SOFT_REPEATS = (3, 1, 1)  # the first address: three soft bounces ten days apart


def returned_mail(message: Message) -> bytes:
    """What a receiving server (Postfix) sends back to the VERP address: an RFC 3464 report."""
    return (
        f"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        f"To: bounces+{message.token}@pcrm.local\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\n"
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="demo"\r\n\r\n'
        f"--demo\r\nContent-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--demo\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {message.address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{message.address}>: Recipient address rejected: "
        f"User unknown in virtual mailbox table\r\n\r\n--demo--\r\n"
    ).encode()


def _messages(status: MessageStatus, channel: Channel = Channel.EMAIL, limit: int = 10):
    query = select(Message).where(Message.status == status, Message.channel == channel)
    return list(db.session.scalars(query.order_by(Message.id).limit(limit)))


def _hard_bounces() -> None:
    for number, message in enumerate(_messages(MessageStatus.BOUNCED_HARD, limit=HARD)):
        if number % 2 == 0:
            ingest(returned_mail(message), source=MAILBOX)
            continue
        policy.apply(
            message=message,
            kind=BounceKind.HARD,
            status="5.1.1",
            source="smtp",
            diagnostic=message.last_error or "",
            now=message.created_at,
        )


def _soft_bounces() -> None:
    for message, repeats in zip(_messages(MessageStatus.BOUNCED_SOFT), SOFT_REPEATS, strict=False):
        for earlier in reversed(range(repeats)):
            policy.apply(
                message=message,
                kind=BounceKind.SOFT,
                status="4.2.2",
                source="smtp",
                diagnostic=message.last_error or "",
                now=message.created_at - timedelta(days=10 * earlier),
            )


def _complaint() -> None:
    """Someone reachable by SMS too marked the invitation as spam: e-mail stops, SMS goes on."""
    query = (
        select(Message)
        .join(Subscriber, Subscriber.id == Message.subscriber_id)
        .where(Message.status == MessageStatus.SENT, Message.channel == Channel.EMAIL)
        .where(Subscriber.sms_opt_in.is_(True), Subscriber.email_opt_in.is_(True))
        .order_by(Message.id)
        .limit(1)
    )
    message = db.session.scalar(query)
    if message is not None:
        policy.apply(
            message=message,
            kind=BounceKind.COMPLAINT,
            source="feedback loop (ARF)",
            diagnostic="abuse report from the recipient's mail provider",
            now=message.created_at + timedelta(days=1),
        )


def _dead_phone() -> None:
    for message in _messages(MessageStatus.SENT, Channel.SMS, limit=1):
        policy.apply(
            message=message,
            kind=BounceKind.HARD,
            status="3018",
            source="sens",
            diagnostic="결번(없는 번호)",
            now=message.created_at + timedelta(minutes=5),
        )


def load_bounces() -> int:
    """The demo's bounces, once; returns the worklist's rows. (The worklist may have rows
    already: a dead number the SMS results of the sent campaigns found.)"""
    if db.session.scalar(select(AddressBounce.id).where(AddressBounce.source == "smtp")) is None:
        _hard_bounces()
        _soft_bounces()
        _complaint()
        _dead_phone()
    return db.session.scalar(select(func.count()).select_from(AddressReview))
