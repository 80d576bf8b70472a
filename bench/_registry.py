"""Shared set-up for the registry benchmarks: an app on PostgreSQL with 100,000 subscribers."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _redis import bench_redis_url
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from pcrm import create_app
from pcrm.config import database_url
from pcrm.extensions import db
from pcrm.subscribers.models import Subscriber

SUBSCRIBERS = 100_000


def bench_app():
    """The app on BENCH_DATABASE_URL (PostgreSQL) and BENCH_REDIS_URL, migrated, with 100,000
    demo subscribers (reloaded when the registry holds any other number, so every run measures
    the same)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("Set BENCH_DATABASE_URL to a PostgreSQL database (it may be emptied).")
    os.environ.setdefault("PCRM_INSTANCE_PATH", tempfile.mkdtemp(prefix="pcrm-bench-"))
    config = {"SQLALCHEMY_DATABASE_URI": database_url(url, Path()), "REDIS_URL": bench_redis_url()}
    app = create_app(config)
    with app.app_context():
        upgrade()
        live = db.session.scalar(select(func.count()).select_from(Subscriber))
        db.session.remove()  # end the transaction before the schema may be dropped
        if live != SUBSCRIBERS:
            _reload(app)
    return app


def _reload(app) -> None:
    from pcrm.demo import load_demo

    print(f"Loading {SUBSCRIBERS:,} demo subscribers (once) ...", flush=True)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.session.remove()
    upgrade()
    started = time.perf_counter()
    load_demo(subscribers=SUBSCRIBERS)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"  loaded in {time.perf_counter() - started:.1f} s", flush=True)


def timed(func, repeat: int = 15) -> tuple[float, float]:
    """Median and worst of `repeat` runs after one warm-up, in milliseconds."""
    func()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        runs.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(runs), max(runs)


def insert_policy_customers(count: int, now, *, texting: bool = False) -> None:
    """`count` e-mail subscribers to opinion surveys, written in one statement (no ORM); with
    `texting`, each also has a mobile number with SMS consent."""
    db.session.execute(
        text(
            "INSERT INTO subscriber (kind, name, email, email_status, email_opt_in, phone,"
            " phone_status, sms_opt_in, night_sms_opt_in, guardian_consent, email_consented_at,"
            " sms_consented_at, created_at, updated_at)"
            " SELECT 'individual', '주민' || g, 'resident' || g || '@bench.example', 'valid', true,"
            " CASE WHEN :texting THEN '+8210' || lpad(g::text, 8, '0') END,"
            " CASE WHEN :texting THEN 'valid' END, :texting, false, false, :now,"
            " CASE WHEN :texting THEN CAST(:now AS timestamptz) END, :now, :now"
            " FROM generate_series(1, :n) g"
        ),
        {"n": count, "now": now, "texting": texting},
    )
    db.session.execute(text("INSERT INTO subscriber_interest SELECT id, 'survey' FROM subscriber"))
