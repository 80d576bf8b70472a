"""The one path returned mail takes, wherever it came from: parse, match, apply, record.

Idempotent: a message's digest is recorded with what was done in the same transaction, so the
same bytes ingested twice (a re-run, a crash before the mailbox move) change nothing the second
time.
"""

import hashlib
from dataclasses import dataclass

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


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def ingest(raw: bytes, *, source: str, dry_run: bool = False) -> Ingested:
    """Read one returned message and act on it (nothing changes on a dry run); commits."""
    report = parsing.read(raw)
    if dry_run:
        return Ingested(report, None)
    return ingest_report(report, raw=raw, source=source)


def ingest_report(report: Report, *, raw: bytes, source: str) -> Ingested:
    """The same path for a report a provider sent already structured (an SES notification, a
    signed webhook event): `raw` is its evidence (the event's JSON), keyed by its digest."""
    key = digest(raw)
    seen = db.session.scalar(db.select(InboundMail).where(InboundMail.digest == key))
    if seen is not None:
        return Ingested(report, seen.state, duplicate=True, inbound_id=seen.id)
    first = report.failures[0] if report.failures else None
    inbound = InboundMail(
        digest=key,
        source=source[:200],
        kind=report.kind,
        state=InboundState.NOT_BOUNCE,
        recipient=first.recipient if first else None,
        status=first.status if first else None,
        why=report.why[:300],
        subject=report.subject[:300],
        sender=report.sender[:254],
        raw=raw,
    )
    if report.kind is not BounceKind.NONE:
        inbound.state = InboundState.UNMATCHED
        for failure in report.failures:
            message = matching.match(report, failure)
            if message is None:
                continue
            inbound.message_id = inbound.message_id or message.id
            inbound.state = InboundState.APPLIED
            policy.apply(message=message, kind=failure.kind, status=failure.status, source=source)
    db.session.add(inbound)
    try:
        db.session.commit()
    except IntegrityError:  # the same message ingested at the same moment elsewhere
        db.session.rollback()
        return Ingested(report, None, duplicate=True)
    return Ingested(report, inbound.state, inbound_id=inbound.id)
