"""Mail as it comes back: bounces built around the bytes our SMTP server really received."""

from pcrm.extensions import db
from pcrm.messaging.models import Message
from tests.campaigns.factories import launched_campaign, send_all


def sent_messages(smtp_server, count: int = 2) -> tuple[list[Message], dict[str, bytes]]:
    """`count` e-mails sent over SMTP; the bytes received, by recipient address."""
    campaign, _ = launched_campaign(recipients=count)
    send_all(campaign)
    messages = list(db.session.scalars(db.select(Message).order_by(Message.id)))
    assert all(m.sent_at and m.provider_id for m in messages)
    return messages, {e.rcpt_tos[0]: e.original_content for e in smtp_server}


def dsn(
    *,
    to: str,
    failures: list[tuple[str, str, str]],
    original: bytes | None = None,
    headers_only: bool = True,
) -> bytes:
    """An RFC 3464 report to `to` on (recipient, action, status) each, with the original's
    headers (or the whole original) returned."""
    blocks = "".join(
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {'550' if status[0] == '5' else '450'} {status} said\r\n\r\n"
        for rcpt, action, status in failures
    )
    returned = b""
    if original is not None:
        head = original.split(b"\r\n\r\n", 1)[0] + b"\r\n" if headers_only else original
        kind = b"text/rfc822-headers" if headers_only else b"message/rfc822"
        returned = b"--b\r\nContent-Type: " + kind + b"\r\n\r\n" + head + b"\r\n"
    return (
        (
            f"From: MAILER-DAEMON@mx.example.org\r\nTo: {to}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            f"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
            f"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; mx.example.org\r\n\r\n{blocks}"
        ).encode()
        + returned
        + b"--b--\r\n"
    )


def verp_dsn(token: str, recipient: str, status: str) -> bytes:
    """A report on one recipient that came back to the message's VERP address."""
    return dsn(to=f"bounces+{token}@pcrm.example.org", failures=[(recipient, "failed", status)])
