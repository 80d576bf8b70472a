"""The service's health, read once for both readers: monitors (JSON) and admins (a page)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rq import Worker
from sqlalchemy import text

from pcrm.extensions import db, queues
from pcrm.schema import pending_revisions

# A worker that has not beaten for this long is counted as gone.
HEARTBEAT_STALE_SECONDS = 120


@dataclass
class Health:
    database: dict
    redis: dict
    workers: dict
    queues: dict[str, int] = field(default_factory=dict)

    @property
    def serving(self) -> bool:
        """The web can serve: database and Redis answer (workers are reported, not required)."""
        return self.database["ok"] and self.redis["ok"]

    @property
    def status(self) -> str:
        if not self.serving:
            return "failing"
        return "ok" if self.workers["ok"] else "degraded"

    def as_json(self) -> dict:
        body = {"status": self.status, "database": self.database, "redis": self.redis}
        return body | {"workers": self.workers, "queues": self.queues}


def check() -> Health:
    redis, workers, depths = _redis_and_workers()
    return Health(_database(), redis, workers, depths)


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        pending = sorted(pending_revisions())
    except Exception as error:  # a health check reports failures, it does not raise them
        db.session.rollback()
        return {"ok": False, "error": type(error).__name__}
    return {"ok": not pending, "pending_migrations": pending}


def _redis_and_workers() -> tuple[dict, dict, dict]:
    try:
        queues.redis.ping()
        depths = queues.depths()
        workers = Worker.all(connection=queues.redis)
    except Exception as error:  # reported, not raised
        return {"ok": False, "error": type(error).__name__}, {"ok": False, "count": 0}, {}
    now = datetime.now(UTC)
    alive = [
        worker
        for worker in workers
        if worker.last_heartbeat
        and (now - worker.last_heartbeat.replace(tzinfo=UTC)).total_seconds()
        < HEARTBEAT_STALE_SECONDS
    ]
    heartbeat = max((w.last_heartbeat for w in alive), default=None)
    worker_info = {
        "ok": bool(alive),
        "count": len(alive),
        "last_heartbeat": heartbeat.replace(tzinfo=UTC).isoformat() if heartbeat else None,
    }
    return {"ok": True}, worker_info, depths
