"""The local SMTP catcher: a real SMTP server (aiosmtpd) that keeps every message in a Maildir
so staff can read what the service sent. Local mode only."""

import mailbox
from pathlib import Path

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Stores each accepted message, with its SMTP envelope, in a Maildir."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope):
        envelope_lines = [f"X-Envelope-From: {envelope.mail_from}\r\n"]
        envelope_lines += [f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos]
        content = envelope.original_content or envelope.content
        self.maildir.add("".join(envelope_lines).encode() + content)
        return "250 Message accepted for delivery"


def start_catcher(path: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Start the catcher in a background thread; call .stop() on the result."""
    controller = Controller(MaildirHandler(path), hostname=host, port=port, decode_data=False)
    controller.start()
    return controller
