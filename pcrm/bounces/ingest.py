"""The one path returned mail takes, wherever it came from: parse, match, apply, record.

Idempotent and atomic: each message's digest is recorded (a unique row) with what was done to
it, in the same transaction as the policy it applied, so the same bytes ingested twice (a
re-run, a crash before the mailbox move, two pollers at once) change nothing the second time,
and a crash midway leaves neither the record nor half the policy behind. `ingest_many` does a
batch (an mbox, a poll) in one transaction: one commit instead of one per message. Persons'
replies go on to residents' voice by a job queued after the commit (handover.py).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from pcrm.bounces import matching, parsing, policy
from pcrm.bounces.handover import enqueue_hand_over, person_replies
from pcrm.bounces.models import InboundMail, InboundState
from pcrm.bounces.report import BounceKind, Report
from pcrm.extensions import db


@dataclass(frozen=True)
class Ingested:
    report: Report
    state: InboundState | None  # None on a dry run
    duplicate: bool = False
    inbound_id: int | None = None
    message_ids: tuple[int, ...] = ()  # our messages the report was matched to


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def ingest(raw: bytes, *, source: str, dry_run: bool = False) -> Ingested:
    """Read one returned message and act on it (nothing changes on a dry run); commits."""
    return ingest_many([raw], source=source, dry_run=dry_run)[0]


def ingest_many(raws: Sequence[bytes], *, source: str, dry_run: bool = False) -> list[Ingested]:
    """`ingest` for a batch, in one transaction; the results in the same order."""
    max_bytes = current_app.config.get("BOUNCE_MAX_BYTES", parsing.DEFAULT_MAX_BYTES)
    reports = [parsing.read(raw, max_bytes=max_bytes) for raw in raws]
    if dry_run:
        known = matching.known_for(reports)
        return [
            Ingested(r, None, message_ids=tuple(m.id for _, m in _pairs(r, known))) for r in reports
        ]
    results = _record(raws, reports, source, max_bytes)
    enqueue_hand_over(person_replies(results))  # a person's reply goes on to residents' voice
    return results


def ingest_report(report: Report, *, raw: bytes, source: str) -> Ingested:
    """The same path for a report a provider sent already structured (an SES notification, a
    signed webhook event): `raw` is its evidence (the event's JSON), keyed by its digest."""
    return _record([raw], [report], source, max_bytes=len(raw))[0]


def _record(raws, reports, source: str, max_bytes: int) -> list[Ingested]:
    """Record and apply in one transaction; a digest already there changes nothing."""
    try:
        results = _record_all(raws, reports, source, max_bytes)
        db.session.commit()
    except IntegrityError:  # a digest recorded meanwhile by another ingest of the same bytes
        db.session.rollback()
        if len(raws) == 1:
            return [Ingested(reports[0], None, duplicate=True)]
        # One by one: only the one recorded meanwhile is skipped.
        return [
            _record([raw], [report], source, max_bytes)[0]
            for raw, report in zip(raws, reports, strict=True)
        ]
    except Exception:
        db.session.rollback()  # nothing half-done stays in the session either
        raise
    return results


def _record_all(raws, reports, source: str, max_bytes: int) -> list[Ingested]:
    keys = [digest(raw) for raw in raws]
    known = db.select(InboundMail.digest, InboundMail.id, InboundMail.state)
    seen = {
        row.digest: row for row in db.session.execute(known.where(InboundMail.digest.in_(keys)))
    }
    pending: list[tuple[Report, str, bool, tuple[int, ...]]] = []
    fresh = {k: r for r, k in zip(reports, keys, strict=True) if k not in seen}
    known = matching.known_for(r for r in fresh.values() if r.kind is not BounceKind.NONE)
    pairs = {key: list(_pairs(report, known)) for key, report in fresh.items()}
    batch = policy.batch_for(message for found in pairs.values() for _, message in found)
    with db.session.no_autoflush:  # written in one flush at the end, not one per query
        for raw, report, key in zip(raws, reports, keys, strict=True):
            if key in seen:  # recorded before, or earlier in this batch
                pending.append((report, key, True, ()))
                continue
            inbound = _inbound(report, raw, key, source, too_large=len(raw) > max_bytes)
            seen[key] = inbound
            db.session.add(inbound)
            applied = _apply(report, inbound, source, pairs[key], batch)
            pending.append((report, key, False, applied))
    db.session.flush()
    return [
        Ingested(report, seen[key].state, duplicate, seen[key].id, matched)
        for report, key, duplicate, matched in pending
    ]


def _inbound(report: Report, raw: bytes, key: str, source: str, *, too_large: bool) -> InboundMail:
    first = report.failures[0] if report.failures else None
    return InboundMail(
        digest=key,
        source=source[:200],
        kind=report.kind,
        state=InboundState.NOT_BOUNCE,
        recipient=first.recipient[:254] if first and first.recipient else None,
        status=first.status[:20] if first and first.status else None,
        why=report.why[:300],
        subject=report.subject[:300],
        sender=report.sender[:254],
        raw=None if too_large else raw,  # refused for its size: not kept either
    )


def _apply(report: Report, inbound: InboundMail, source: str, pairs, batch) -> tuple[int, ...]:
    """Run the policy once per matched message (`pairs`, from `_pairs`); the caller commits."""
    if report.kind is BounceKind.NONE:
        return ()
    inbound.state = InboundState.UNMATCHED
    done: list[int] = []
    for failure, message in pairs:
        if message.id in done:
            continue
        done.append(message.id)
        inbound.message_id = inbound.message_id or message.id
        inbound.state = InboundState.APPLIED
        policy.apply(
            message=message,
            kind=failure.kind,
            status=failure.status,
            source=source,
            diagnostic=failure.diagnostic,
            inbound=inbound,
            commit=False,
            batch=batch,
        )
    return tuple(done)


def _pairs(report: Report, known: matching.Known):
    """(failure, our message) for each failure of a bounce or complaint that names one."""
    if report.kind is BounceKind.NONE:
        return
    for failure in report.failures:
        message = matching.match(report, failure, known=known)
        if message is not None:
            yield failure, message
