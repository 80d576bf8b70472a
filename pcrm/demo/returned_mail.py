"""Demo: returned mail left for a person (an out-of-office, a resident's reply, a bounce for an
address we never wrote to), as the bounce mailbox poller would have ingested it and the worker
handed the reply over to residents' voice."""

from datetime import timedelta
from email.header import Header
from email.utils import format_datetime

from pcrm.bounces import handover
from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import InboundMail
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.messaging.models import Message
from pcrm.subscribers.models import Subscriber

SOURCE = "imap:INBOX"


def _mail(sender: str, subject: str, body: str, when, headers: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: survey@pcrm.local\r\nSubject: {_words(subject)}\r\n"
        f"Date: {format_datetime(when)}\r\n{headers}MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        f"{body}\r\n"
    ).encode()


def _words(text: str) -> str:
    """A header in RFC 2047 encoded words, as mail programs send non-ASCII headers."""
    return Header(text, "utf-8").encode()


def _unknown_address_bounce(when) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@pcrm.local\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nDate: {format_datetime(when)}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n"
        "\r\nFinal-Recipient: rfc822; old-address@example.net\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n\r\n--b--\r\n"
    ).encode()


def load_returned_mail() -> int:
    """Ingest the demo's returned mail once; how many messages are there."""
    if db.session.scalar(db.select(InboundMail.id).where(InboundMail.source == SOURCE).limit(1)):
        return 0
    now = utcnow()
    resident = db.session.scalar(
        db.select(Subscriber).where(Subscriber.email.is_not(None)).order_by(Subscriber.id)
    )
    sent = db.session.scalar(db.select(Message).where(Message.provider_id.is_not(None)))
    in_reply_to = f"In-Reply-To: {sent.provider_id}\r\n" if sent else ""
    name, address = (resident.name, resident.email) if resident else ("김민지", "minji@example.kr")
    messages = [
        _mail(
            f"{_words('박서준')} <seojun.park@example.co.kr>",
            "부재중 자동 응답: 설문 참여 안내",
            "12월 4일까지 휴가 중입니다. 급한 용무는 02-2286-0000으로 연락 주세요.",
            now - timedelta(hours=51),
            "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n",
        ),
        _mail(
            f"{_words(name)} <{address}>",
            "Re: 마을버스 노선 설문 참여 안내",
            "설문 잘 받았습니다. 그런데 이사를 해서 앞으로는 새 주소로 보내 주시면 좋겠습니다.\r\n"
            "새 주소는 동 주민센터에서 다시 신청하겠습니다.",
            now - timedelta(hours=29),
            in_reply_to,
        ),
        _unknown_address_bounce(now - timedelta(hours=7)),
    ]
    ids = []
    for raw, hours_ago in zip(messages, (51, 29, 7), strict=True):
        inbound = db.session.get(InboundMail, ingest(raw, source=SOURCE).inbound_id)
        inbound.received_at = now - timedelta(hours=hours_ago)  # as if polled over the week
        ids.append(inbound.id)
    db.session.commit()
    handover.hand_over(ids)  # what the queued job does; the demo needs no worker running
    return len(messages)
