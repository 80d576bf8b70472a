"""A real SMTP server (aiosmtpd) that can refuse chosen recipients, for the sending tests."""

import email
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller

from pcrm.embedded import free_port


class Relay:
    """Accepts everything except the recipients told to answer otherwise; keeps what it got."""

    def __init__(self):
        self.received = []  # (envelope sender, recipient, parsed message, arrival time)
        self.answers: dict[str, str] = {}  # recipient -> SMTP reply to RCPT TO
        self.refuse_all: str | None = None  # the reply to every RCPT TO, when set
        self.on_data = None
        self.controller: Controller | None = None

    def up(self, port: int | None = None) -> int:
        """Start listening (again, on the same port when given)."""
        self.controller = Controller(
            self, hostname="127.0.0.1", port=port or free_port(), decode_data=False
        )
        self.controller.start()
        return self.controller.port

    def down(self) -> None:
        """Stop listening: connections are refused until up() again."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse_all or self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        for rcpt in envelope.rcpt_tos:
            self.received.append((envelope.mail_from, rcpt, message, time.monotonic()))
        if self.on_data:
            self.on_data(message)
        return "250 OK"

    @property
    def recipients(self) -> list[str]:
        return [rcpt for _sender, rcpt, _message, _at in self.received]


@pytest.fixture
def relay(app):
    handler = Relay()
    port = handler.up()
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", port
    try:
        yield handler
    finally:
        handler.down()
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved
