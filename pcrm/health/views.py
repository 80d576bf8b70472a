"""/healthz: database, Redis, worker heartbeats and queue depths, for monitors and the launcher."""

from datetime import UTC, datetime

from flask import Blueprint, jsonify
from rq import Worker
from sqlalchemy import text

from pcrm.auth.access import public
from pcrm.extensions import db, queues
from pcrm.schema import pending_revisions

bp = Blueprint("health", __name__)

# A worker that has not beaten for this long is counted as gone.
HEARTBEAT_STALE_SECONDS = 120


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


@bp.get("/healthz")
@public
def healthz():
    """200 when the web can serve (database and Redis); workers are reported, not required."""
    database = _database()
    redis, workers, depths = _redis_and_workers()
    serving = database["ok"] and redis["ok"]
    status = ("ok" if workers["ok"] else "degraded") if serving else "failing"
    body = {"status": status, "database": database, "redis": redis, "workers": workers}
    body["queues"] = depths
    return jsonify(body), 200 if serving else 503
