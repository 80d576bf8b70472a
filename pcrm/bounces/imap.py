"""The bounce mailbox, polled over IMAP: every message goes through `ingest`, then is moved.

Ingest first, then move: `ingest` records each message's digest with what it did in one
transaction, so a poll that dies between the two finds the same message on the next poll,
ingests it as a duplicate (changing nothing) and moves it then. Nothing is ever deleted: mail
that was applied goes to the processed folder; replies, auto-replies, bounces naming nothing of
ours, mail too big or too broken to read go to the folder a person reads, and are listed on the
staff page (the last two by their header only).
"""

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from imapclient import IMAPClient
from sqlalchemy.exc import SQLAlchemyError

from pcrm.bounces import ingest, left_mail
from pcrm.bounces.models import InboundState
from pcrm.extensions import db

log = logging.getLogger(__name__)
CHUNK = 100  # messages fetched in one FETCH, then moved together
TO_PROCESSED = (InboundState.APPLIED, InboundState.REVIEWED)
TO_A_PERSON = (InboundState.UNMATCHED, InboundState.NOT_BOUNCE)


@dataclass(frozen=True)
class Mailbox:
    """Where the bounce mailbox is and which folders it uses (BOUNCE_IMAP_* settings)."""

    host: str
    port: int
    tls: str  # "ssl", "starttls" or "none"
    user: str
    password: str
    folder: str = "INBOX"
    processed: str = "Processed"
    review: str = "Needs-person"
    batch: int = 500
    max_bytes: int = 10 * 1024 * 1024
    ca_file: str | None = None  # a private CA that signed the server's certificate
    timeout: float = 60

    @classmethod
    def from_config(cls, config) -> "Mailbox | None":
        """The configured mailbox, or None while BOUNCE_IMAP_HOST is unset (polling is off)."""
        if not config.get("BOUNCE_IMAP_HOST"):
            return None
        return cls(
            host=config["BOUNCE_IMAP_HOST"],
            port=config["BOUNCE_IMAP_PORT"],
            tls=config["BOUNCE_IMAP_TLS"],
            user=config["BOUNCE_IMAP_USER"] or "",
            password=config["BOUNCE_IMAP_PASSWORD"] or "",
            folder=config["BOUNCE_IMAP_FOLDER"],
            processed=config["BOUNCE_IMAP_PROCESSED_FOLDER"],
            review=config["BOUNCE_IMAP_REVIEW_FOLDER"],
            batch=config["BOUNCE_IMAP_BATCH"],
            max_bytes=config["BOUNCE_MAX_BYTES"],
            ca_file=config["BOUNCE_IMAP_CA_FILE"],
        )


@dataclass
class Polled:
    """What one poll did: messages seen, moved to each folder, and left in place."""

    seen: int = 0
    processed: int = 0
    for_a_person: int = 0
    left: int = 0  # ingested elsewhere at the same instant: the next poll moves them


@contextmanager
def connected(mailbox: Mailbox) -> Iterator[IMAPClient]:
    """A signed-in IMAP session, logged out at the end."""
    # The server's certificate and name are checked, against the system's CAs or ca_file.
    context = ssl.create_default_context(cafile=mailbox.ca_file)
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.tls == "ssl",
        ssl_context=context,
        timeout=mailbox.timeout,
    )
    try:
        if mailbox.tls == "starttls":
            client.starttls(context)
        client.login(mailbox.user, mailbox.password)
        yield client
    finally:
        with suppress(Exception):  # the session is over either way
            client.logout()


def poll(mailbox: Mailbox) -> Polled:
    """Ingest up to `mailbox.batch` messages of the folder and move each where it belongs."""
    polled = Polled()
    with connected(mailbox) as client:
        for folder in (mailbox.processed, mailbox.review):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        client.select_folder(mailbox.folder)
        # Flagged \\Deleted by someone else: on its way out, not ours to read.
        uids = sorted(client.search(["NOT", "DELETED"]))[: mailbox.batch]
        for start in range(0, len(uids), CHUNK):
            _poll_chunk(client, mailbox, uids[start : start + CHUNK], polled)
    return polled


def _poll_chunk(client: IMAPClient, mailbox: Mailbox, uids: list[int], polled: Polled) -> None:
    sizes = client.fetch(uids, ["RFC822.SIZE"])
    limit = mailbox.max_bytes
    small = [uid for uid in uids if uid in sizes and sizes[uid][b"RFC822.SIZE"] <= limit]
    targets: dict[str, list[int]] = {mailbox.processed: [], mailbox.review: []}
    big = [uid for uid in uids if uid in sizes and uid not in small]
    if big:  # too big to read safely: listed by its header, read in the mail client
        for uid, item in client.fetch(big, ["BODY.PEEK[HEADER]"]).items():
            megabytes = sizes[uid][b"RFC822.SIZE"] / 1_000_000
            why = f"너무 큰 메일이라 읽지 않음 ({megabytes:.1f} MB): 메일함에서 확인"
            left_mail.leave_unread(header=item[b"BODY[HEADER]"], source=_source(mailbox), why=why)
            targets[mailbox.review].append(uid)
    bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
    for uid in small:
        if uid not in bodies:  # expunged by someone else since the search
            continue
        target = _ingest_one(bodies[uid][b"BODY[]"], mailbox)
        if target is None:
            polled.left += 1
        else:
            targets[target].append(uid)
    polled.seen += len(uids)
    for folder, moving in targets.items():
        if moving:
            move(client, moving, folder)
    polled.processed += len(targets[mailbox.processed])
    polled.for_a_person += len(targets[mailbox.review])


def _ingest_one(raw: bytes, mailbox: Mailbox) -> str | None:
    """The folder the message goes to once ingested; None to leave it for the next poll."""
    try:
        result = ingest.ingest(raw, source=_source(mailbox))
    except SQLAlchemyError:
        raise  # the database is down: stop, lose nothing, the next poll starts again
    except Exception:
        db.session.rollback()
        # One message we cannot read must not stop the mailbox: a person reads it instead.
        log.exception("a message of the bounce mailbox could not be ingested")
        header = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:64_000]
        why = "읽을 수 없는 메일: 메일함에서 확인"
        left_mail.leave_unread(header=header, source=_source(mailbox), why=why)
        return mailbox.review
    if result.state in TO_PROCESSED:
        return mailbox.processed
    if result.state in TO_A_PERSON:
        return mailbox.review
    return None


def _source(mailbox: Mailbox) -> str:
    return f"imap:{mailbox.folder}"


def move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Move messages by UID; without MOVE (RFC 6851), copy, flag and expunge only those UIDs."""
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    if not client.has_capability("UIDPLUS"):
        # A plain EXPUNGE would also remove what someone else flagged \\Deleted: never.
        raise RuntimeError("the IMAP server supports neither MOVE nor UIDPLUS")
    client.copy(uids, folder)
    client.delete_messages(uids)
    client.uid_expunge(uids)
