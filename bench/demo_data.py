"""How long `pcrm demo-data` takes to fill an empty database, against the ORM bulk inserts it
replaced, measured in the same run on the same database.

    .venv/bin/python bench/demo_data.py --database-url postgresql://postgres@127.0.0.1/pcrm_bench
    .venv/bin/python bench/demo_data.py            # SQLite in a temporary folder

The database's public schema is dropped and migrated again before each measurement. The loader
queues staff notices: Redis is BENCH_REDIS_URL (default db 12, bench/_redis.py).
"""

import argparse
import tempfile
import time
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from _redis import bench_redis_url
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, text

from pcrm import create_app
from pcrm.config import database_url
from pcrm.db import utcnow
from pcrm.demo import load
from pcrm.demo.people import synthetic_subscribers
from pcrm.extensions import db
from pcrm.subscribers.models import ConsentEvent, Dong, Subscriber, subscriber_interest


def baseline_subscribers(count: int, seed: int) -> None:
    """The loader as it was: ORM bulk inserts, which split rows by which values are None."""
    dong_ids = list(db.session.scalars(db.select(Dong.id).order_by(Dong.position)))
    rows = synthetic_subscribers(count, seed, date.today())
    consented = utcnow() - timedelta(days=400)
    returning = insert(Subscriber).returning(Subscriber.id, sort_by_parameter_order=True)
    while chunk := list(islice(rows, load.CHUNK)):
        records = [load._subscriber_record(row, dong_ids, consented) for row in chunk]
        pairs = list(zip(db.session.scalars(returning, records).all(), chunk, strict=True))
        interests = [
            {"subscriber_id": i, "field_code": f} for i, row in pairs for f in row["fields"]
        ]
        db.session.execute(insert(subscriber_interest), interests)
        consents = [c for i, row in pairs for c in load._consent_rows(i, row, consented)]
        db.session.execute(insert(ConsentEvent), consents)
    db.session.commit()


def fresh_app(url: str):
    """An app on an empty, migrated database at `url`."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        engine = create_engine(database_url(url, Path()))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url(url, Path()), "REDIS_URL": bench_redis_url()}
    )
    with app.app_context():
        upgrade()
    return app


def measure(url: str, subscribers: int, *, baseline: bool) -> float:
    app = fresh_app(url)
    with app.app_context():
        started = time.perf_counter()
        if baseline:
            load._load_office()
            baseline_subscribers(subscribers, 2015)
        else:
            load.load_demo(subscribers=subscribers)
        elapsed = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its schema is replaced)")
    parser.add_argument("--subscribers", type=int, default=20000)
    parser.add_argument("--large", type=int, default=100000, help="also time this many (0: no)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        n = args.subscribers
        before = measure(url, n, baseline=True)
        after = measure(url, n, baseline=False)
        print(f"{engine}, {n:,} subscribers")
        print(f"  ORM bulk inserts (baseline): {before:6.1f} s  {n / before:8,.0f} subscribers/s")
        print(f"  demo-data now:               {after:6.1f} s  {n / after:8,.0f} subscribers/s")
        print(f"  speed-up: {before / after:.1f}x")
        if args.large:
            large = measure(url, args.large, baseline=False)
            print(f"  demo-data, {args.large:,} subscribers: {large:.1f} s")


if __name__ == "__main__":
    main()
