"""Benchmark: residents' public pages under concurrent load, against gunicorn on PostgreSQL.

    .venv/bin/python bench/public_load.py [--requests 2000] [--concurrency 8] [--seconds 60]

On PostgreSQL (BENCH_DATABASE_URL, default database pcrm_public_load, created when missing; its
schema is DROPPED and rebuilt) and Redis (BENCH_REDIS_URL, default db 15, flushed), gunicorn
serves the app on loopback as in production (its masked access log included). A bounded asyncio
client (httpx: async, keep-alive, a fixed number of connections; simpler to bound in count and
time than locust, and it measures the baseline in the same process) drives, mixed and
concurrently: the invitation's survey page, the public link's survey page, the open pixel, the
tracked survey link and the RFC 8058 one-click unsubscribe, each with tokens of real messages.
The baseline, measured in the same run with the same client, is gunicorn serving /healthz
(one database query and Redis). Prints requests per second, p50/p95/p99 and errors per kind;
target: p95 under 50 ms, no errors (the exit status says whether it was met).
"""

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import httpx
from _registry import insert_policy_customers
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/pcrm_public_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
TARGET_P95_MS = 50
RECIPIENTS = 5000


def fresh_database(url: str) -> str:
    """Create the benchmark's own database when missing, and empty its schema."""
    from pcrm.config import database_url

    url = database_url(url, Path())
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed(recipients: int) -> tuple[list[str], str]:
    """A published survey with a public link, a campaign to `recipients` subscribers launched and
    marked sent an hour ago; returns the messages' tokens and the public link's slug."""
    from pcrm.auth import service as auth
    from pcrm.auth.models import Role
    from pcrm.campaigns.jobs import launch_due_campaigns
    from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
    from pcrm.db import utcnow
    from pcrm.extensions import db
    from pcrm.messaging.models import Message
    from pcrm.projects.models import Project
    from pcrm.subscribers.models import Segment
    from pcrm.surveys import building, service
    from pcrm.surveys.building import QuestionSpec
    from pcrm.surveys.models import QuestionKind

    now = utcnow()
    insert_policy_customers(recipients, now)
    department = auth.create_department(name_ko="교통행정과", name_en="Transport")
    password = "bench password"  # noqa: S105
    user = auth.create_user(email="pr@bench.kr", name="공보", password=password, role=Role.PR)
    project = Project(department=department, name_ko="성동 마을버스 운영")
    db.session.add(project)
    survey = service.create_survey(project=project, title="마을버스 이용 만족도 조사", user=user)
    spec = QuestionSpec(
        kind=QuestionKind.SINGLE,
        text="마을버스를 이용하십니까?",
        section_id=survey.sections[0].id,
        choices=("예", "아니요"),
    )
    building.add_question(survey, spec)
    service.update_survey(
        survey, title=survey.title, introduction="", anonymous=False,
        public_link=True, results_public=False,
    )  # fmt: skip
    service.publish_survey(survey, opens_at=None, closes_at=now + timedelta(days=14))
    db.session.add(
        Campaign(
            project=project, name="마을버스 만족도 조사", kind=CampaignKind.SURVEY,
            status=CampaignStatus.SCHEDULED, segment=Segment(name="전체", criteria={}),
            field_code="survey", survey=survey, send_at=now - timedelta(seconds=1),
            subject="{{ name }}님, 마을버스 설문에 참여해 주세요",
            body="{{ name }}님, 안녕하세요.\n\n{{ survey_link }}\n\n감사합니다.",
        )
    )  # fmt: skip
    db.session.commit()
    launch_due_campaigns()
    db.session.execute(
        text("UPDATE message SET status = 'sent', sent_at = :at"), {"at": now - timedelta(hours=1)}
    )
    db.session.commit()
    tokens = list(db.session.scalars(db.select(Message.token).order_by(Message.id)))
    return tokens, survey.public_slug


def start_gunicorn(env: dict, port: int, args, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--access-logfile", str(log),
        "--logger-class", "pcrm.gunicorn_logger.AccessLogger", "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 600:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def public_requests(tokens: list[str], slug: str):
    """(kind, method, path, body) without end: every kind in turn, each token used once per kind
    (a one-click unsubscribe on a fresh message each time, as residents would make them)."""
    kinds = itertools.cycle(("survey page", "public link", "open pixel", "click", "one-click"))
    fresh = {kind: itertools.cycle(tokens) for kind in ("survey page", "open pixel", "click")}
    unsubscribing = iter(tokens)
    for kind in kinds:
        if kind == "survey page":
            yield kind, "GET", f"/s/{next(fresh[kind])}", None
        elif kind == "public link":
            yield kind, "GET", f"/survey/{slug}", None
        elif kind == "open pixel":
            yield kind, "GET", f"/o/{next(fresh[kind])}.gif", None
        elif kind == "click":
            yield kind, "GET", f"/c/{next(fresh[kind])}/0", None
        else:
            yield kind, "POST", f"/u/{next(unsubscribing)}/one-click", "List-Unsubscribe=One-Click"


def baseline_requests():
    while True:
        yield "baseline /healthz", "GET", "/healthz", None


async def drive(base: str, requests, count: int, concurrency: int, seconds: float) -> dict:
    """Send `count` requests from `requests` over `concurrency` connections, stopping early after
    `seconds`; returns per kind: latencies (ms), errors, and the wall time."""
    latencies, errors = defaultdict(list), defaultdict(int)
    source = iter(itertools.islice(requests, count))
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"User-Agent": "Mozilla/5.0 (bench; public_load)"}

    async def client_loop(client: httpx.AsyncClient) -> None:
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for kind, method, path, body in source:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                response = await client.request(
                    method, path, content=body, headers=form if body else None
                )
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies[kind].append((time.perf_counter() - started) * 1000)
            errors[kind] += not ok

    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "wall": wall}


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(title: str, run: dict) -> tuple[float, int]:
    """Print one run's table; return its worst p95 and its errors."""
    print(f"\n{title}: {run['wall']:.1f} s")
    columns = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"  {'kind':<18} " + " ".join(f"{c:>8}" for c in columns) + "  errors")
    everything = [ms for values in run["latencies"].values() for ms in values]
    rows = [*sorted(run["latencies"].items()), ("all", everything)]
    worst, errors = 0.0, 0
    for kind, values in rows:
        failed = sum(run["errors"].values()) if kind == "all" else run["errors"][kind]
        p95 = percentile(values, 95)
        p50, p99 = percentile(values, 50), percentile(values, 99)
        rate = len(values) / run["wall"]
        figures = f"{len(values):>8} {rate:>8.0f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"
        print(f"  {kind:<18} {figures}  {failed:>6}")
        if kind == "all":
            worst, errors = max(worst, p95), failed
    return worst, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per run (bounded)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60, help="a run stops after this")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads a worker (gthread)")
    args = parser.parse_args()
    if args.requests // 5 > RECIPIENTS:
        sys.exit(f"at most {RECIPIENTS * 5} requests: one one-click unsubscribe per message")

    url = fresh_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    instance = tempfile.mkdtemp(prefix="pcrm-bench-")
    env = dict(os.environ) | {
        "PCRM_ENV": "production", "DATABASE_URL": url, "REDIS_URL": redis_url,
        "SECRET_KEY": "bench", "BASE_URL": "http://127.0.0.1", "MAIL_SERVER": "127.0.0.1",
        "MAIL_DEFAULT_SENDER": "bench@pcrm.local", "PROXY_COUNT": "0",
        "PCRM_INSTANCE_PATH": instance,
    }  # fmt: skip
    os.environ.update(env)

    from flask_migrate import upgrade
    from redis import Redis

    from pcrm import create_app
    from pcrm.embedded import free_port

    Redis.from_url(redis_url).flushdb()
    app = create_app()
    with app.app_context():
        upgrade()
        tokens, slug = seed(RECIPIENTS)
    port = free_port()
    server = start_gunicorn(env, port, args, Path(instance) / "access.log")
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(drive(base, baseline_requests(), 200, args.concurrency, 10))  # warm-up
        baseline = asyncio.run(
            drive(base, baseline_requests(), args.requests, args.concurrency, args.seconds)
        )
        load = asyncio.run(
            drive(
                base, public_requests(tokens, slug), args.requests, args.concurrency, args.seconds
            )
        )
    finally:
        server.terminate()
        server.wait(20)
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads;"
        f" client: httpx, {args.concurrency} connections"
    )
    base_p95, base_errors = report("baseline: gunicorn serving /healthz", baseline)
    p95, errors = report("public pages, mixed and concurrent", load)
    print(f"\np95 {p95:.1f} ms (baseline {base_p95:.1f} ms, ratio {p95 / base_p95:.2f});"
          f" errors {errors}; target p95 < {TARGET_P95_MS} ms, no errors:"
          f" {'met' if p95 < TARGET_P95_MS and errors == 0 else 'NOT met'}")  # fmt: skip
    sys.exit(0 if p95 < TARGET_P95_MS and errors == 0 and base_errors == 0 else 1)


if __name__ == "__main__":
    main()
