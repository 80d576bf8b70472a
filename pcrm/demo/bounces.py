"""Returned mail for the demo: bounces, a complaint and replies, through the one ingest path,
so the bounce pages show hard and soft bounces, suppressions and mail left for a person."""

import base64

from sqlalchemy import select

from pcrm.bounces.ingest import ingest
from pcrm.bounces.models import InboundMail
from pcrm.extensions import db
from pcrm.messaging.models import Message, MessageStatus
from pcrm.subscribers.models import Channel

SOURCE = "demo:bounce-mailbox"
NAVER = (
    "보내신 메일이 다음 사유로 발송 실패되었습니다.\n\n받는 사람 : {address}\n"
    "실패 사유 : 받는 사람의 메일 주소가 존재하지 않습니다.\n"
)


def _dsn(message: Message, status: str, said: str, action: str = "failed") -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        f"To: bounces+{message.token}@pcrm.local\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n<{message.address}>: {said}\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {message.address}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {said}\r\n\r\n--b--\r\n"
    ).encode()


def _naver(message: Message) -> bytes:
    body = base64.encodebytes(NAVER.format(address=message.address).encode("cp949"))
    return (
        f"From: MAILER-DAEMON@naver.com\r\nTo: bounces+{message.token}@pcrm.local\r\n"
        "Subject: =?utf-8?b?66mU7J28IOuwnOyGoSDsi6TtjKgg7JWI64K0?=\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=euc-kr\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + body


def _reply(message: Message, subject: str, headers: str, text: str) -> bytes:
    return (
        f"From: {message.address}\r\nTo: bounces+{message.token}@pcrm.local\r\n"
        f"Subject: =?utf-8?b?{base64.b64encode(subject.encode()).decode()}?=\r\n{headers}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + text.encode()


def _complaint(message: Message) -> bytes:
    return (
        "From: feedback@arf.mail.yahoo.com\r\nTo: fbl@pcrm.local\r\nSubject: FW: survey\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="f"\r\n\r\n'
        "--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        f"Original-Mail-From: <bounces+{message.token}@pcrm.local>\r\n"
        f"Original-Rcpt-To: {message.address}\r\n\r\n--f--\r\n"
    ).encode()


def _returned(messages: list[Message]) -> list[bytes]:
    hard, naver, full, late, complaint, away, person = messages
    return [
        _dsn(
            hard,
            "5.1.1",
            f"550 5.1.1 <{hard.address}>: Recipient address rejected: User unknown",
        ),
        _naver(naver),
        _dsn(full, "5.2.2", "552 5.2.2 Mailbox full"),
        _dsn(late, "4.4.7", "Delivery expired (message too old)", action="delayed"),
        _complaint(complaint),
        _reply(
            away,
            "[부재중] 12월 4일까지 휴가입니다",
            "Auto-Submitted: auto-replied\r\n",
            "휴가 중입니다.",
        ),
        _reply(person, "Re: 설문 안내", "", "설문 링크가 열리지 않습니다. 확인 부탁드립니다."),
    ]


def load_bounces() -> int:
    """Ingest the demo's returned mail once; returns how many returned messages are kept."""
    if db.session.scalar(select(InboundMail.id).limit(1)) is None:
        # Messages nobody opened, answered or was reminded of, in the latest campaign: the
        # demo campaigns' own stories (funnels, reminders) stay as they are.
        reminded = select(Message.subscriber_id).where(Message.wave > 0)
        messages = db.session.scalars(
            select(Message)
            .where(
                Message.channel == Channel.EMAIL,
                Message.status == MessageStatus.SENT,
                Message.opened_at.is_(None),
                Message.clicked_at.is_(None),
                Message.responded_at.is_(None),
                Message.subscriber_id.not_in(reminded),
            )
            .order_by(Message.campaign_id.desc(), Message.id)
            .limit(7)
        ).all()
        if len(messages) == 7:
            for raw in _returned(list(messages)):
                ingest(raw, source=SOURCE)
    return db.session.scalar(select(db.func.count()).select_from(InboundMail))
