"""Bounce fixtures: a real IMAP server (dovecot) for the whole session, a fresh mailbox a test."""

import itertools
import os

import pytest
from imapclient import IMAPClient

from pcrm.bounces.imap import Mailbox
from tests.bounces.dovecot import dovecot_binary, running_dovecot
from tests.campaigns.conftest import daytime  # noqa: F401  (no quiet hours for SMS tests)
from tests.messaging.conftest import relay  # noqa: F401  (the SMTP relay fixture, shared)

_folders = itertools.count()


@pytest.fixture(scope="session")
def dovecot():
    if dovecot_binary() is None:
        reason = "dovecot is not installed (apt-get install dovecot-imapd)"
        if os.environ.get("PCRM_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
            pytest.fail(f"{reason}; CI requires it")
        pytest.skip(reason)
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailbox(dovecot) -> Mailbox:
    """The bounce mailbox settings, on folders no other test uses."""
    n = next(_folders)
    return Mailbox(
        host=dovecot.host,
        port=dovecot.port,
        tls="none",
        user=dovecot.user,
        password=dovecot.password,
        folder=f"Bounces{n}",
        processed=f"Processed{n}",
        review=f"Person{n}",
    )


class Imap:
    """A second IMAP client, as a mail server or a person would use the same mailbox."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.client = IMAPClient(mailbox.host, port=mailbox.port, ssl=False)
        self.client.login(mailbox.user, mailbox.password)
        if not self.client.folder_exists(mailbox.folder):
            self.client.create_folder(mailbox.folder)

    def deliver(self, *messages: bytes) -> None:
        for raw in messages:
            self.client.append(self.mailbox.folder, raw)

    def count(self, folder: str) -> int:
        if not self.client.folder_exists(folder):
            return 0
        return self.client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"]

    def contents(self, folder: str) -> list[bytes]:
        self.client.select_folder(folder, readonly=True)
        fetched = self.client.fetch(self.client.search("ALL"), ["BODY.PEEK[]"])
        return sorted(item[b"BODY[]"] for item in fetched.values())


@pytest.fixture
def imap(mailbox):
    helper = Imap(mailbox)
    yield helper
    helper.client.logout()
