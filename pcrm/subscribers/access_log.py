"""The access log (개인정보 접속기록): who viewed or took residents' data, kept two years."""

from datetime import timedelta

from sqlalchemy import delete, func, select

from pcrm.auth.models import User
from pcrm.db import utcnow
from pcrm.extensions import db
from pcrm.subscribers.models import AccessAction, AccessLog

# Two years: the registry holds more than 50,000 people (안전성 확보조치 기준 §8).
RETENTION = timedelta(days=730)
COMMAND_LINE = "command line"


def record_access(
    *,
    user: User | None,
    action: AccessAction,
    what: str = "",
    subscriber_id: int | None = None,
    record_count: int = 1,
) -> AccessLog:
    """Add one entry to the access log; the caller commits with the access it records."""
    entry = AccessLog(
        user_id=user.id if user else None,
        actor=f"{user.name} <{user.email}>" if user else COMMAND_LINE,
        action=action,
        what=what[:500],
        subscriber_id=subscriber_id,
        record_count=record_count,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def access_entries(
    *, page: int = 1, size: int = 100, subscriber_id: int | None = None
) -> tuple[list[AccessLog], int]:
    """The newest entries first, and how many there are."""
    query = select(AccessLog)
    counted = select(func.count()).select_from(AccessLog)
    if subscriber_id is not None:
        query = query.where(AccessLog.subscriber_id == subscriber_id)
        counted = counted.where(AccessLog.subscriber_id == subscriber_id)
    query = query.order_by(AccessLog.id.desc()).limit(size).offset((max(page, 1) - 1) * size)
    return list(db.session.scalars(query)), db.session.scalar(counted)


def purge_expired_access_log() -> int:
    """Delete entries older than the retention period; returns how many went."""
    cutoff = utcnow() - RETENTION
    deleted = db.session.execute(delete(AccessLog).where(AccessLog.created_at < cutoff)).rowcount
    db.session.commit()
    return deleted
