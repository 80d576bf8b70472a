"""The bounce mailbox on a real IMAP server (dovecot): ingest, then move; never delete."""

import dataclasses
import ssl
import subprocess
import sys
import textwrap

import pytest

from pcrm import ROOT
from pcrm.bounces.imap import poll
from pcrm.bounces.jobs import POLL_LOCK, poll_bounce_mailbox
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.extensions import db, queues
from pcrm.messaging.models import Event, EventKind, Message, MessageStatus
from tests.bounces.returned import verp_dsn
from tests.campaigns.factories import launched_campaign, send_all

REPLY = "From: 주민 <resident@example.org>\r\nSubject: Re: 설문\r\n\r\n잘 받았습니다.\r\n".encode()
OUT_OF_OFFICE = (
    b"From: clerk@example.org\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\n"
    b"I am away until Monday.\r\n"
)


def _sent_message() -> Message:
    campaign, _ = launched_campaign(recipients=2)
    send_all(campaign)
    return db.session.scalars(db.select(Message).order_by(Message.id)).first()


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_poll_files_bounces_as_processed_and_leaves_the_rest_for_a_person(app, mailbox, imap):
    message = _sent_message()
    bounce = verp_dsn(message.token, message.address, "5.1.1")
    stranger = verp_dsn("y" * 20, "nobody@example.org", "5.1.1")
    imap.deliver(bounce, REPLY, OUT_OF_OFFICE, stranger)

    polled = poll(mailbox)

    assert (polled.seen, polled.processed, polled.for_a_person) == (4, 1, 3)
    assert imap.count(mailbox.folder) == 0
    assert imap.contents(mailbox.processed) == [bounce]
    assert imap.contents(mailbox.review) == sorted([REPLY, OUT_OF_OFFICE, stranger])
    db.session.refresh(message)
    assert message.status is MessageStatus.BOUNCED_HARD
    states = db.session.scalars(db.select(InboundMail.state).order_by(InboundMail.id)).all()
    assert states == [
        InboundState.APPLIED,
        InboundState.NOT_BOUNCE,
        InboundState.NOT_BOUNCE,
        InboundState.UNMATCHED,
    ]
    sources = set(db.session.scalars(db.select(InboundMail.source)))
    assert sources == {"imap:" + mailbox.folder}

    assert poll(mailbox).seen == 0  # nothing left: a second poll changes nothing


def test_a_poller_killed_between_ingest_and_move_loses_nothing_and_applies_nothing_twice(
    app, mailbox, imap, pcrm_env
):
    message = _sent_message()
    bounce = verp_dsn(message.token, message.address, "5.1.1")
    imap.deliver(bounce, REPLY)
    # A real process, killed (SIGKILL) the moment it has ingested and is about to move.
    script = textwrap.dedent(
        """
        import os, signal
        from pcrm import create_app
        from pcrm.bounces import imap
        from pcrm.bounces.imap import Mailbox
        imap.move = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        app = create_app()
        with app.app_context():
            imap.poll(Mailbox.from_config(app.config))
        """
    )
    env = pcrm_env | _imap_environment(mailbox)
    died = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, timeout=120)
    assert died.returncode == -9

    db.session.expire_all()
    assert imap.count(mailbox.folder) == 2  # still there: nothing lost
    assert _count(InboundMail) == 2  # ...and already ingested

    polled = poll(mailbox)

    assert (polled.processed, polled.for_a_person) == (1, 1)
    assert imap.count(mailbox.folder) == 0
    assert _count(InboundMail) == 2
    assert _count(Event, Event.kind == EventKind.BOUNCE) == 1  # applied once, not twice


def _imap_environment(mailbox) -> dict:
    return {
        "BOUNCE_IMAP_HOST": mailbox.host,
        "BOUNCE_IMAP_PORT": str(mailbox.port),
        "BOUNCE_IMAP_TLS": "none",
        "BOUNCE_IMAP_USER": mailbox.user,
        "BOUNCE_IMAP_PASSWORD": mailbox.password,
        "BOUNCE_IMAP_FOLDER": mailbox.folder,
        "BOUNCE_IMAP_PROCESSED_FOLDER": mailbox.processed,
        "BOUNCE_IMAP_REVIEW_FOLDER": mailbox.review,
    }


def test_without_move_only_the_polled_uids_are_expunged(app, mailbox, imap, monkeypatch):
    imap.deliver(REPLY, OUT_OF_OFFICE)
    # Someone else flagged a message for deletion: our expunge must not remove it.
    imap.client.select_folder(mailbox.folder)
    theirs = imap.client.search(["SUBJECT", "Out of office"])
    imap.client.add_flags(theirs, [b"\\Deleted"])
    monkeypatch.setattr("imapclient.IMAPClient.has_capability", _without_move)

    polled = poll(mailbox)

    assert (polled.seen, polled.for_a_person) == (1, 1)
    assert imap.contents(mailbox.review) == [REPLY]
    assert imap.contents(mailbox.folder) == [OUT_OF_OFFICE]  # still there, still flagged


def _without_move(client, capability: str) -> bool:
    return capability.upper() != "MOVE" and capability.upper().encode() in client.capabilities()


def test_a_message_too_big_to_read_is_left_for_a_person_unread(app, mailbox, imap):
    big = REPLY + b"x" * 5000
    imap.deliver(big)

    polled = poll(dataclasses.replace(mailbox, max_bytes=1000))

    assert polled.for_a_person == 1
    assert imap.contents(mailbox.review) == [big]
    listed = db.session.scalars(db.select(InboundMail)).one()  # by its header, for a person
    assert listed.state is InboundState.NOT_BOUNCE
    assert "너무 큰 메일" in listed.why and listed.subject == "Re: 설문"
    assert listed.raw == REPLY.split(b"\r\n\r\n")[0] + b"\r\n\r\n"


def test_the_job_polls_the_configured_mailbox_once_at_a_time(app, mailbox, imap, monkeypatch):
    imap.deliver(REPLY)
    assert poll_bounce_mailbox() is None  # BOUNCE_IMAP_HOST unset: polling is off

    for name, value in _imap_environment(mailbox).items():
        monkeypatch.setitem(app.config, name, int(value) if name.endswith("PORT") else value)
    monkeypatch.setitem(app.config, "BOUNCE_IMAP_BATCH", 500)
    monkeypatch.setitem(app.config, "BOUNCE_MAX_BYTES", 1 << 20)
    held = queues.redis.lock(POLL_LOCK, timeout=30)
    held.acquire()
    assert poll_bounce_mailbox() is None  # another worker is polling
    assert imap.count(mailbox.folder) == 1
    held.release()

    assert poll_bounce_mailbox() == {"seen": 1, "processed": 0, "for_a_person": 1, "left": 0}
    assert poll_bounce_mailbox() == {"seen": 0, "processed": 0, "for_a_person": 0, "left": 0}


def test_a_message_that_cannot_be_read_is_left_for_a_person_and_the_rest_go_on(
    app, mailbox, imap, monkeypatch
):
    from pcrm.bounces import parsing

    real_read = parsing.read

    def read(raw: bytes, **options):
        if b"poison" in raw:
            raise ValueError("unreadable")
        return real_read(raw, **options)

    monkeypatch.setattr(parsing, "read", read)
    poison = b"From: x@example.org\r\nSubject: poison\r\n\r\n\xff\xfe\r\n"
    imap.deliver(poison, REPLY)

    polled = poll(mailbox)

    assert (polled.seen, polled.for_a_person) == (2, 2)
    assert imap.contents(mailbox.review) == sorted([poison, REPLY])
    listed = db.session.scalars(db.select(InboundMail).order_by(InboundMail.id)).all()
    assert [m.why for m in listed] == [
        "읽을 수 없는 메일: 메일함에서 확인",
        "일반 회신 (반송 아님)",
    ]
    assert listed[0].subject == "poison"


def test_a_database_failure_stops_the_poll_and_moves_nothing(app, mailbox, imap, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from pcrm.bounces import ingest

    def down(raw, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(ingest, "ingest", down)
    imap.deliver(REPLY)

    with pytest.raises(OperationalError):
        poll(mailbox)

    assert imap.count(mailbox.folder) == 1
    assert imap.count(mailbox.review) == 0


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_the_mailbox_is_read_over_tls_with_its_certificate_checked(
    app, mailbox, imap, dovecot, tls
):
    imap.deliver(REPLY)
    port = dovecot.tls_port if tls == "ssl" else dovecot.port
    untrusted = dataclasses.replace(mailbox, tls=tls, port=port)

    with pytest.raises(ssl.SSLCertVerificationError):
        poll(untrusted)  # a certificate no CA we trust signed: refused before signing in
    assert imap.count(mailbox.folder) == 1

    polled = poll(dataclasses.replace(untrusted, ca_file=dovecot.ca_file))
    assert polled.for_a_person == 1
    assert imap.count(mailbox.folder) == 0
