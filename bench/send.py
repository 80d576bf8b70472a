"""Benchmark: a campaign sent through real RQ workers against the raw SMTP limit.

    .venv/bin/python bench/send.py [--recipients 20000] [--workers 2]

On PostgreSQL (DATABASE_URL, default the campaigns test database: its schema is DROPPED and
rebuilt) and Redis (REDIS_URL, default db 14), into an SMTP sink on loopback: Postfix's
`smtp-sink` when installed (apt-get install postfix), else an aiosmtpd sink in another process.
In the same run it measures the raw limit: a bare smtplib loop over one connection sending
pre-built messages to the same sink. Prints the launch time (materialising the messages), both
rates and their ratio (target: at least 0.5 with two workers; launch of 100,000 under 10 s).
"""

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from _registry import insert_policy_customers

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/pcrm_campaigns"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> tuple[subprocess.Popen, str]:
    smtp_sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if os.path.exists(smtp_sink):
        command = [smtp_sink, "-u", "nobody", f"127.0.0.1:{port}", "1024"]
        kind = "postfix smtp-sink"
    else:
        sink = "aiosmtpd.handlers.Sink"
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", sink]
        kind = "aiosmtpd sink"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return process, kind
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the SMTP sink ({kind}) did not start")


def reset_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    from pcrm.config import database_url

    engine = create_engine(database_url(url, Path()))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed(recipients: int):
    """`recipients` reachable subscribers of the survey field, a segment and a due campaign."""

    from pcrm.auth.models import Department
    from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus
    from pcrm.db import utcnow
    from pcrm.extensions import db
    from pcrm.projects.models import Project
    from pcrm.subscribers.models import Segment
    from pcrm.surveys.models import Survey

    now = utcnow()
    insert_policy_customers(recipients, now)
    department = Department(name_ko="교통행정과", name_en="Transport")
    project = Project(department=department, name_ko="성동 마을버스 운영")
    segment = Segment(name="전체", criteria={})
    # Launch sends only to a survey that is published and open; sending needs no questions.
    survey = Survey(
        project=project,
        title="마을버스 이용 만족도 조사",
        published_at=now,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
    )
    campaign = Campaign(
        project=project,
        name="마을버스 만족도 조사",
        kind=CampaignKind.SURVEY,
        status=CampaignStatus.SCHEDULED,
        segment=segment,
        field_code="survey",
        survey=survey,
        subject="{{ name }}님, 마을버스 이용 설문에 참여해 주세요",
        body=(
            "{{ name }}님, 안녕하세요.\n\n{{ department }}에서 「{{ project }}」에 관한 의견을"
            " 듣고자 합니다.\n아래 주소에서 3분이면 답하실 수 있습니다.\n\n{{ survey_link }}\n\n"
            "노선 안내: https://www.sd.go.kr/bus\n\n감사합니다."
        ),
        send_at=now - timedelta(seconds=1),
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign.id


def raw_rate(port: int, count: int) -> tuple[float, float]:
    """Messages a second from one smtplib connection sending pre-built messages, and the cost
    of building one (render the three templates, write the MIME bytes) in microseconds."""
    from pcrm.campaigns.mailing import compile_campaign
    from pcrm.campaigns.models import Campaign
    from pcrm.extensions import db
    from pcrm.messaging.mail import MailBuilder

    campaign = db.session.scalars(db.select(Campaign)).first()
    compiled = compile_campaign(campaign)
    builder = MailBuilder(list_id="raw")
    built = []
    building = time.perf_counter()
    for n in range(count):
        token = f"rawtoken{n:016d}"
        rendered = compiled.render(token=token, name=f"주민{n}")
        built.append(
            builder.build(
                message_id=n, token=token, to=f"raw{n}@bench.example", name=f"주민{n}",
                rendered=rendered, unsubscribe_url="https://pcrm.test/u/x/one-click",
            )
        )  # fmt: skip
    build_us = (time.perf_counter() - building) / count * 1e6
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    for envelope in built:
        connection.sendmail(envelope.mail_from, [envelope.to], envelope.data)
    elapsed = time.perf_counter() - started
    connection.quit()
    return count / elapsed, build_us


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    """Start the workers and return once each listens on the queue: their start-up (imports,
    several seconds on a loaded machine) is not the sending's."""
    from redis import Redis
    from rq import Worker

    command = [sys.executable, "-m", "pcrm", "worker", "--queues", "bulk", "--no-scheduler"]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    redis = Redis.from_url(env["REDIS_URL"])
    deadline = time.monotonic() + 120
    while len(Worker.all(connection=redis)) < count:
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start in two minutes")
        time.sleep(0.1)
    return workers


def wait_until_sent(campaign_id: int, timeout: float) -> None:
    from pcrm.campaigns.models import Campaign, CampaignStatus
    from pcrm.extensions import db

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = db.session.scalar(db.select(Campaign.status).where(Campaign.id == campaign_id))
        db.session.commit()
        if status is CampaignStatus.SENT:
            return
        time.sleep(0.05)
    raise SystemExit("the campaign did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--raw", type=int, default=5_000, help="messages for the raw limit")
    parser.add_argument("--batch-size", type=int, help="default: CAMPAIGN_BATCH_SIZE as configured")
    args = parser.parse_args()

    port = free_port()
    env = os.environ | {
        "PCRM_ENV": "test",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS),
        "SECRET_KEY": "bench",
        "BASE_URL": "https://pcrm.bench",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_SEND_RATE": "0",
        "PCRM_INSTANCE_PATH": str(ROOT / "instance" / "bench"),
    }
    if args.batch_size:
        env["CAMPAIGN_BATCH_SIZE"] = str(args.batch_size)
    os.environ.update(env)
    reset_database(env["DATABASE_URL"])

    from flask_migrate import upgrade
    from redis import Redis

    from pcrm import create_app
    from pcrm.campaigns.jobs import launch_due_campaigns
    from pcrm.extensions import db
    from pcrm.messaging.models import Message

    Redis.from_url(env["REDIS_URL"]).flushdb()
    app = create_app()
    sink, sink_kind = start_sink(port)
    workers = []
    try:
        with app.app_context():
            upgrade()
            campaign_id = seed(args.recipients)
            raw, build_us = raw_rate(port, min(args.raw, args.recipients))
            workers = start_workers(args.workers, env)
            started = time.perf_counter()
            launch_due_campaigns()
            launched = time.perf_counter()
            wait_until_sent(campaign_id, timeout=max(120, args.recipients / 50))
            finished = time.perf_counter()
            sent = db.session.scalar(db.select(db.func.count(Message.id)))
            batch_size = app.config["CAMPAIGN_BATCH_SIZE"]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
        sink.terminate()
    launch_s, send_s = launched - started, finished - started
    rate = sent / send_s
    print(
        f"sink: {sink_kind}; {sent:,} recipients; {args.workers} workers; batches of {batch_size}"
    )
    print(f"launch (materialise {sent:,} messages and queue their batches): {launch_s:.2f} s")
    print(f"raw limit (bare smtplib loop, one connection, pre-built): {raw:,.0f} msg/s")
    print(f"campaign (launch to last message, real RQ workers):      {rate:,.0f} msg/s")
    print(f"ratio campaign / raw: {rate / raw:.2f} (target >= 0.5)")
    print(f"building one message (3 templates + MIME bytes): {build_us:.0f} µs")


if __name__ == "__main__":
    main()
