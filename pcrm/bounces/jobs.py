"""Bounce jobs: polling the bounce mailbox, persons' replies handed over to residents' voice,
and the raw evidence's retention."""

from dataclasses import asdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from pcrm.bounces import handover
from pcrm.bounces.imap import Mailbox, poll
from pcrm.bounces.models import InboundMail
from pcrm.db import utcnow
from pcrm.extensions import db, queues

POLL_LOCK = "pcrm:bounces:imap-poll"
POLL_LOCK_SECONDS = 900  # a poller killed mid-poll holds the mailbox this long at most


def poll_bounce_mailbox() -> dict | None:
    """Ingest what waits in the bounce mailbox; nothing while BOUNCE_IMAP_HOST is unset.

    Several workers run the cron loop: one poll at a time, the others return at once.
    """
    mailbox = Mailbox.from_config(current_app.config)
    if mailbox is None:
        return None
    lock = queues.redis.lock(POLL_LOCK, timeout=POLL_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return None
    try:
        return asdict(poll(mailbox))
    finally:
        lock.release()


def hand_over_replies(inbound_ids: list[int]) -> int:
    """Hand over the persons' replies an ingest recorded; once each, however often it runs."""
    return handover.hand_over(inbound_ids)


def hand_over_missed_replies() -> int:
    """Periodic: hand over the persons' replies whose job never ran or failed for good."""
    return handover.sweep(utcnow())


def purge_raw_evidence(now: datetime | None = None) -> int:
    """Daily: empty the raw bytes of returned messages past BOUNCE_RAW_RETENTION_DAYS; what was
    read from them stays. Safe to run twice at once. Returns how many were purged."""
    now = now or utcnow()
    keep = timedelta(days=current_app.config["BOUNCE_RAW_RETENTION_DAYS"])
    result = db.session.execute(
        update(InboundMail)
        .where(InboundMail.received_at < now - keep, InboundMail.purged_at.is_(None))
        .values(raw=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
