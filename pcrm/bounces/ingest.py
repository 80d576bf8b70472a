"""The one path returned mail takes, wherever it came from: parse, match, apply, record.

Idempotent and atomic: the message's digest is claimed first (a unique row), the policy runs,
and both are committed in ONE transaction, so the same bytes ingested twice (a re-run, a crash
before the mailbox move, two pollers at once) change nothing the second time, and a crash
midway leaves neither the record nor half the policy behind.
"""

import hashlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from pcrm.bounces import matching, parsing, policy
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
    max_bytes = current_app.config.get("BOUNCE_MAX_BYTES", parsing.DEFAULT_MAX_BYTES)
    report = parsing.read(raw, max_bytes=max_bytes)
    if dry_run:
        return Ingested(report, None, message_ids=tuple(m.id for m in _matched(report)))
    key = digest(raw)
    seen = db.session.scalar(db.select(InboundMail).where(InboundMail.digest == key))
    if seen is not None:
        return Ingested(report, seen.state, duplicate=True, inbound_id=seen.id)
    inbound = _record(report, raw, key, source, too_large=len(raw) > max_bytes)
    try:
        # Claim the digest before acting: a concurrent ingest of the same bytes waits here
        # and then fails, rolling back everything it did.
        db.session.add(inbound)
        db.session.flush()
        matched = _apply(report, inbound, source)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Ingested(report, None, duplicate=True)
    return Ingested(report, inbound.state, inbound_id=inbound.id, message_ids=matched)


def _record(report: Report, raw: bytes, key: str, source: str, *, too_large: bool) -> InboundMail:
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


def _apply(report: Report, inbound: InboundMail, source: str) -> tuple[int, ...]:
    """Run the policy once per matched message; the caller commits."""
    if report.kind is BounceKind.NONE:
        return ()
    inbound.state = InboundState.UNMATCHED
    done: list[int] = []
    for failure, message in _pairs(report):
        if message.id in done:
            continue
        done.append(message.id)
        inbound.message_id = inbound.message_id or message.id
        inbound.state = InboundState.APPLIED
        policy.apply(
            message=message, kind=failure.kind, status=failure.status, source=source, commit=False
        )
    return tuple(done)


def _pairs(report: Report):
    for failure in report.failures:
        message = matching.match(report, failure)
        if message is not None:
            yield failure, message


def _matched(report: Report) -> list:
    if report.kind is BounceKind.NONE:
        return []
    return [message for _, message in _pairs(report)]
