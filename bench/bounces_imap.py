"""Benchmark: the bounce mailbox poller against a real dovecot, next to a raw FETCH baseline.

    .venv/bin/python bench/bounces_imap.py [--messages 2000]

On PostgreSQL (BENCH_DATABASE_URL, default database pcrm_bounces_imap, created when missing;
its schema is DROPPED and rebuilt, then a small demo office is loaded so bounces match real
messages; Redis is BENCH_REDIS_URL, default db 12, for the jobs the loader and the ingest
queue). Starts dovecot (Debian's dovecot-imapd) on a loopback port, appends a mix of
matched hard and soft bounces, bounces naming nothing of ours, replies and out-of-office
answers, then measures:

- baseline: a raw FETCH of every message (BODY.PEEK[], 100 a command) and nothing else;
- poll: `pcrm.bounces.imap.poll` (fetch, ingest each into the database, move to its folder),
  with the share of time spent in ingest (parse, match, policy, write) vs. IMAP.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _redis import bench_redis_url
from public_load import fresh_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

from pcrm import create_app  # noqa: E402
from pcrm.bounces import imap  # noqa: E402
from pcrm.extensions import db  # noqa: E402
from pcrm.messaging.models import Message  # noqa: E402
from tests.bounces.dovecot import running_dovecot  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/pcrm_bounces_imap"


def dsn(n: int, token: str, recipient: str, status: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx{n % 7}.example.org\r\nTo: bounces+{token}@pcrm.local\r\n"
        f"Message-ID: <dsn{n}@mx.example.org>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n'
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org"
        f"\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}"
        "\r\n\r\n--b--\r\n"
    ).encode()


def reply(n: int, auto: bool) -> bytes:
    extra = "Auto-Submitted: auto-replied\r\n" if auto else ""
    subject = "Out of office" if auto else "Re: survey"
    return (
        f"From: resident{n}@example.org\r\nTo: survey@pcrm.local\r\nSubject: {subject}\r\n"
        f"Message-ID: <r{n}@example.org>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n" + "감사합니다. 설문에 답했습니다.\r\n" * 5
    ).encode()


def mix(count: int, messages: list[Message]) -> list[bytes]:
    """40% bounces matched to our messages, 20% unmatched bounces, 25% replies, 15% auto."""
    out = []
    for n in range(count):
        slot = n % 20
        if slot < 8 and messages:
            message = messages[n % len(messages)]
            status = "5.1.1" if slot < 5 else "4.2.2"
            out.append(dsn(n, message.token, message.address or "x@example.org", status))
        elif slot < 12:
            out.append(dsn(n, f"unknown{n:012d}", f"gone{n}@example.net", "5.1.1"))
        else:
            out.append(reply(n, auto=slot >= 17))
    return out


def deliver(server, folder: str, raws: list[bytes]) -> None:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    client.create_folder(folder)
    for start in range(0, len(raws), 200):
        client.multiappend(folder, raws[start : start + 200])
    client.logout()


def raw_fetch(server, folder: str) -> tuple[int, float]:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    client.select_folder(folder, readonly=True)
    started = time.perf_counter()
    uids = client.search(["NOT", "DELETED"])
    size = 0
    for start in range(0, len(uids), imap.CHUNK):
        fetched = client.fetch(uids[start : start + imap.CHUNK], ["BODY.PEEK[]"])
        size += sum(len(item[b"BODY[]"]) for item in fetched.values())
    elapsed = time.perf_counter() - started
    client.logout()
    return len(uids), elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    url = fresh_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    os.environ.setdefault("PCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="pcrm-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": bench_redis_url()})
    with app.app_context(), running_dovecot() as server:
        upgrade()
        from pcrm.demo import load_demo

        load_demo(subscribers=500, seed=1)
        # The demo's own returned mail goes, and what the policy did with it: the bench's mail
        # is all new.
        for table in ("address_review", "address_bounce", "inbound_mail", "suppression"):
            db.session.execute(db.delete(db.metadata.tables[table]))
        db.session.commit()
        ours = db.session.scalars(db.select(Message).where(Message.address.is_not(None))).all()
        raws = mix(args.messages, list(ours))
        deliver(server, "Bench", raws)
        count, baseline = raw_fetch(server, "Bench")

        ingest_time = 0.0
        real_ingest = imap.ingest.ingest

        def timed_ingest(raw, **kwargs):
            nonlocal ingest_time
            started = time.perf_counter()
            try:
                return real_ingest(raw, **kwargs)
            finally:
                ingest_time += time.perf_counter() - started

        imap.ingest.ingest = timed_ingest
        mailbox = imap.Mailbox(
            host=server.host, port=server.port, tls="none", user=server.user,
            password=server.password, folder="Bench", batch=args.messages,
        )  # fmt: skip
        started = time.perf_counter()
        polled = imap.poll(mailbox)
        elapsed = time.perf_counter() - started
        imap.ingest.ingest = real_ingest

    print(f"messages in the mailbox:      {count:,} ({len(ours):,} of our messages to match)")
    print(f"baseline raw FETCH:           {count / baseline:,.0f} messages/s ({baseline:.2f} s)")
    print(
        f"poll (fetch, ingest, move):   {polled.seen / elapsed:,.0f} messages/s ({elapsed:.2f} s)"
        f"  processed {polled.processed:,}, for a person {polled.for_a_person:,}"
    )
    print(
        f"  time in ingest (parse, match, policy, write): {ingest_time / elapsed:.0%};"
        f" IMAP fetch and move: {1 - ingest_time / elapsed:.0%}"
    )
    print(f"ratio poll / raw FETCH:       {baseline / elapsed:.2f}")


if __name__ == "__main__":
    main()
