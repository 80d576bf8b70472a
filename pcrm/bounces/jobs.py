"""Bounce jobs: the raw evidence's retention."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from pcrm.bounces.models import InboundMail
from pcrm.db import utcnow
from pcrm.extensions import db


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
