"""Bounce jobs: polling the bounce mailbox."""

from dataclasses import asdict

from flask import current_app

from pcrm.bounces.imap import Mailbox, poll
from pcrm.extensions import queues

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
