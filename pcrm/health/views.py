"""/healthz for monitors and the launcher (JSON); /admin/health the same for admins (a page)."""

from datetime import datetime

from flask import Blueprint, jsonify, render_template

from pcrm.auth.access import public, roles_required
from pcrm.auth.models import Role
from pcrm.health import service

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """200 when the web can serve (database and Redis); workers are reported, not required."""
    health = service.check()
    return jsonify(health.as_json()), 200 if health.serving else 503


@bp.get("/admin/health")
@roles_required(Role.ADMIN)
def page():
    health = service.check()
    heartbeat = health.workers.get("last_heartbeat")
    return render_template(
        "health/page.html",
        health=health,
        last_heartbeat=datetime.fromisoformat(heartbeat) if heartbeat else None,
    )
