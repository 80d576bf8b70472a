"""Ingest an mbox of 10,000 mixed returned messages on PostgreSQL, the way
`pcrm bounces ingest FILE` does: read, parse, match, apply the policy, record, in
transactions of 200 messages.

Target: at least 300 messages a second. Printed: messages per second, the share of the time
spent reading the mbox, parsing, matching and writing (the digest check, the policy, the
InboundMail row, the commit and queueing the persons' replies), and two baselines from the same
run: the stdlib parsing the same mbox (email.message_from_bytes, no classification) and pcrm's
parsing alone. Then the hand-over the ingest queued (persons' replies to residents' voice, an RQ
job per batch), run in this process after the ingest as a worker would: items a second.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pcrm_bounces_bench \
        BENCH_REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/bounces.py

The demo office (20,000 subscribers) is loaded on the first run; later runs forget only the
returned mail (BENCH_RELOAD=1 loads the office afresh). Redis (BENCH_REDIS_URL, default db 12,
emptied once the office is loaded) carries the hand-over jobs.
"""

import email
import email.policy
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _redis import bench_redis_url
from flask_migrate import upgrade
from sqlalchemy import text

from pcrm import create_app
from pcrm.bounces import ingest as ingest_module
from pcrm.bounces import matching, parsing
from pcrm.bounces.commands import BATCH
from pcrm.bounces.files import messages
from pcrm.config import database_url
from pcrm.extensions import db, queues
from pcrm.messaging.models import Message
from pcrm.queue import DEFAULT
from pcrm.subscribers.models import Channel
from pcrm.voice.models import VoiceItem
from pcrm.worker import run_worker

MESSAGES = 10_000
TARGET = 300  # messages a second
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "bounces" / "corpus"


def bench_app():
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL to a PostgreSQL database (it is emptied).")
    os.environ.setdefault("PCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="pcrm-bench-"))
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url(url, Path()), "REDIS_URL": bench_redis_url()}
    )


def load_office() -> list[tuple]:
    """The demo office (loaded once; BENCH_RELOAD=1 loads it afresh), its returned mail
    forgotten; its sent e-mails given the Message-IDs a real send writes. Returned as plain
    rows: ORM objects kept alive would be expired by every commit."""
    from pcrm.demo import load_demo

    upgrade()
    if (
        os.environ.get("BENCH_RELOAD")
        or db.session.scalar(text("SELECT count(*) FROM message")) == 0
    ):
        print("Loading the demo office (20,000 subscribers) ...", flush=True)
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_demo(subscribers=20_000)
    # The same mbox is new again: its evidence, what the policy did and the suppressions go.
    db.session.execute(text("TRUNCATE inbound_mail, address_bounce, address_review, suppression"))
    db.session.execute(
        text(
            "UPDATE message SET provider_id = '<m' || id || '.campaign-' || campaign_id"
            " || '@pcrm.local>' WHERE channel = 'email' AND sent_at IS NOT NULL"
        )
    )
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    sent = db.session.execute(
        db.select(Message.token, Message.address, Message.provider_id).where(
            Message.channel == Channel.EMAIL, Message.sent_at.is_not(None)
        )
    ).all()
    db.session.remove()
    queues.redis.flushdb()  # the bench's own db: what the demo loader queued goes
    return sent


def dsn(n: int, to: str, recipient: str, status: str, returned: str = "") -> str:
    words = {"5.1.1": "User unknown", "5.2.2": "Mailbox full", "4.4.7": "Delivery expired"}
    action = "delayed" if status.startswith("4") else "failed"
    part = f"--b\nContent-Type: text/rfc822-headers\n\n{returned}\n" if returned else ""
    return (
        f"From: MAILER-DAEMON@mx{n % 7}.example.org\nTo: {to}\nSubject: Undelivered Mail\n"
        f"Message-ID: <{n}.bench@mx.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\n<{recipient}>: host said: 550 {status} {words[status]}\n"
        f"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; 550 {status} {words[status]}\n\n{part}--b--\n"
    )


def mixed_mbox(path: Path, sent: list[tuple]) -> Counter:
    """10,000 messages: bounces matched four ways, complaints, auto-replies, strangers."""
    rng = random.Random(11)
    corpus = [(p.name, p.read_bytes().decode("latin-1")) for p in sorted(CORPUS.glob("*.eml"))]
    kinds: Counter = Counter()
    with path.open("w", encoding="latin-1", newline="\n") as box:
        for n in range(MESSAGES):
            m = rng.choice(sent)
            verp = f"bounces+{m.token}@pcrm.local"
            roll = rng.random()
            if roll < 0.45:
                kind, body = (
                    "verp",
                    dsn(n, verp, m.address, rng.choice(["5.1.1", "5.2.2", "4.4.7"])),
                )
            elif roll < 0.55:
                returned = f"Message-ID: {m.provider_id}\nTo: {m.address}"
                kind, body = "message-id", dsn(n, "x@pcrm.local", "fwd@x.org", "5.1.1", returned)
            elif roll < 0.62:
                kind, body = "address", dsn(n, "x@pcrm.local", m.address, "5.1.1")
            elif roll < 0.67:
                kind, body = "unmatched", dsn(n, "x@pcrm.local", f"nobody{n}@example.org", "5.1.1")
            else:  # the corpus as it came back to this message: non-standard, Korean, ARF, ...
                name, raw = rng.choice(corpus)
                kind, body = (
                    f"corpus:{name.split('_')[0]}",
                    f"Delivered-To: {verp}\nX-Bench: {n}\n{raw}",
                )
            kinds[kind.split(":")[0]] += 1
            box.write(f"From MAILER-DAEMON Mon Nov 30 10:00:00 2026\n{body.replace(chr(13), '')}\n")
    return kinds


def _rate(what: str, seconds: float, count: int, unit: str = "msg") -> str:
    return f"{what:43} {seconds:6.2f} s, {count / seconds:7,.0f} {unit}/s"


class Stopwatch:
    """Time spent inside a module function, wrapped in place for the run."""

    def __init__(self, module, name: str):
        self.seconds, self.module, self.name = 0.0, module, name
        self.real = getattr(module, name)
        setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.real(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def main() -> None:
    app = bench_app()
    with app.app_context():
        sent = load_office()
        path = Path(tempfile.mkdtemp(prefix="pcrm-bounces-")) / "returned.mbox"
        kinds = mixed_mbox(path, sent)
        raws = list(messages(path))
        print(f"mbox: {len(raws):,} messages, {path.stat().st_size / 1e6:.1f} MB; {dict(kinds)}")

        started = time.perf_counter()
        for raw in raws:
            email.message_from_bytes(raw, policy=email.policy.compat32)
        stdlib = time.perf_counter() - started
        started = time.perf_counter()
        outcomes = Counter(parsing.read(raw).kind.value for raw in raws)
        parse_only = time.perf_counter() - started

        parse, match = Stopwatch(parsing, "read"), Stopwatch(matching, "match")
        prefetch = Stopwatch(matching, "known_for")
        read_box = time.perf_counter()
        raws = list(messages(path))
        read_box = time.perf_counter() - read_box
        started = time.perf_counter()
        states = Counter(
            str(result.state)
            for start in range(0, len(raws), BATCH)
            for result in ingest_module.ingest_many(raws[start : start + BATCH], source="bench")
        )
        total = time.perf_counter() - started + read_box
        matched = match.seconds + prefetch.seconds
        write = total - read_box - parse.seconds - matched

        rate = len(raws) / total
        replies, handing = _hand_over_queued(app)
        print(f"kinds: {dict(outcomes)}; states: {dict(states)}")
        print(_rate("baseline: stdlib email parse of the mbox", stdlib, len(raws)))
        print(_rate("baseline: pcrm parsing.read alone", parse_only, len(raws)))
        verdict = "" if rate >= TARGET else f"  UNDER TARGET {TARGET} msg/s"
        print(_rate("ingest (read, parse, match, apply, record)", total, len(raws)) + verdict)
        for name, seconds in (
            ("reading the mbox", read_box),
            ("parsing", parse.seconds),
            ("matching", matched),
            ("writing", write),
        ):
            print(f"  {name:17} {seconds:6.2f} s  {seconds / total:6.1%}")  # fmt: skip
        print(_rate("hand-over job (replies to residents' voice)", handing, replies, "items"))


def _hand_over_queued(app) -> tuple[int, float]:
    """Run the hand-over jobs the ingest queued, in this process as a worker would run them
    after the ingest; the new items and the seconds it took."""
    items = db.select(db.func.count()).select_from(VoiceItem)
    before = db.session.scalar(items)
    db.session.remove()
    started = time.perf_counter()
    run_worker(app, (DEFAULT,), with_scheduler=False, burst=True, log_level="WARNING")
    seconds = time.perf_counter() - started
    return db.session.scalar(items) - before, seconds


if __name__ == "__main__":
    main()
