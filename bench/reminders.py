"""Benchmark: SMS reminder waves to the office's 30,530 policy customers, 20% of whom answered.

    .venv/bin/python bench/reminders.py [--recipients 30530] [--answered 0.2] [--workers 2]
                                        [--waves 3]

On PostgreSQL (DATABASE_URL, default pcrm_smsperf_bench: its schema is DROPPED and rebuilt) and
Redis (REDIS_URL, default db 13, flushed). A survey campaign went by e-mail to everyone; its SMS
reminders (the first, second and third) are then materialised one after the other for those who
have not answered (messages and their short links) and sent by real RQ workers through the local
fake SENS server (tests/messaging/fake_sens.py), which checks every signature and request shape.
Around each wave it measures the baseline: the same number of texts, pre-built into signed request
bodies, posted to that server directly. A wave is timed from the queueing of its batches to the
campaign's finished_at, as the workers wrote it.
Prints for each wave the materialising time (target: under 2 s), its short links' share and the
time of counting the same audience alone (a baseline from the same run), and both sending rates
and their ratio (target: at least 0.5); then the medians. A shared machine's speed changes
during a run: every figure is printed with its baseline, and the result is the median wave.
"""

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _registry import insert_policy_customers  # noqa: E402

from bench.send import reset_database, start_workers  # noqa: E402
from bench.sens import direct  # noqa: E402
from pcrm.messaging.sms_batch import OutgoingSms  # noqa: E402
from tests.messaging.fake_sens import FakeSens  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/pcrm_smsperf_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"  # the benchmarks keep to 13-15: tests use low numbers
REMINDER = "{{ name }}님, 마을버스 설문에 아직 답하지 않으셨다면 참여해 주세요 {{ survey_link }}"


def seed(recipients: int, answered: float, waves: int) -> tuple[int, list[int]]:
    """A survey campaign whose e-mail went to everyone (`answered` of them answered) and its
    SMS reminders, due now. Returns the campaign's and the waves' ids."""
    from sqlalchemy import text

    from pcrm.auth.models import Department
    from pcrm.campaigns.launch import materialise
    from pcrm.campaigns.models import Campaign, CampaignKind, CampaignStatus, CampaignWave
    from pcrm.db import utcnow
    from pcrm.extensions import db
    from pcrm.projects.models import Project
    from pcrm.subscribers.models import Channel, Segment
    from pcrm.surveys.models import Survey

    now = utcnow()
    insert_policy_customers(recipients, now - timedelta(days=30), texting=True)
    project = Project(
        department=Department(name_ko="교통행정과", name_en="Transport"), name_ko="성동 마을버스"
    )
    survey = Survey(
        project=project,
        title="마을버스 이용 만족도 조사",
        published_at=now - timedelta(days=3),
        opens_at=now - timedelta(days=4),
        closes_at=now + timedelta(days=14),
    )
    campaign = Campaign(
        project=project,
        name="마을버스 만족도 조사",
        kind=CampaignKind.SURVEY,
        status=CampaignStatus.SENDING,
        segment=Segment(name="전체", criteria={}),
        field_code="survey",
        survey=survey,
        subject="마을버스 이용 설문",
        body="{{ name }}님, 설문에 참여해 주세요 {{ survey_link }}",
        send_at=now - timedelta(days=3),
        launched_at=now - timedelta(days=3),
    )
    reminders = [
        CampaignWave(campaign=campaign, number=n, channel=Channel.SMS, after_days=n, body=REMINDER)
        for n in range(1, waves + 1)
    ]
    db.session.add_all([campaign, *reminders])
    db.session.flush()
    materialise(campaign)
    every = round(1 / answered) if answered else 0
    db.session.execute(
        text(
            "UPDATE message SET status = 'delivered', sent_at = :sent,"
            " responded_at = CASE WHEN :every > 0 AND subscriber_id % :every = 0"
            " THEN :answered END WHERE campaign_id = :c"
        ),
        {"sent": now - timedelta(days=3), "answered": now - timedelta(days=2), "every": every,
         "c": campaign.id},
    )  # fmt: skip
    campaign.status = CampaignStatus.SENT
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return campaign.id, [wave.id for wave in reminders]


def texts(count: int) -> list[OutgoingSms]:
    """Texts like the wave's: the reminder with a short link and the free opt-out."""
    text = (
        "주민1234님, 마을버스 설문에 아직 답하지 않으셨다면 참여해 주세요"
        " https://pcrm.bench/r/aB3dEfGh2Jk\n수신거부 https://pcrm.bench/r/Xy7zQ8rStUv"
        "\n무료수신거부 080-000-0000"
    )
    return [OutgoingSms(ref=str(i), to=f"+8210{i:08d}", text=text) for i in range(count)]


def audience_timed(wave_id: int) -> float:
    """Seconds to count the wave's audience: the query materialising cannot do without."""
    from sqlalchemy import func, select

    from pcrm.campaigns.models import CampaignWave
    from pcrm.campaigns.waves import wave_audience
    from pcrm.extensions import db

    wave = db.session.get(CampaignWave, wave_id)
    started = time.perf_counter()
    audience = wave_audience(wave.campaign, wave.channel).subquery()
    db.session.scalar(select(func.count()).select_from(audience))
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed


def materialise_timed(wave_id: int) -> tuple[float, float, int, int, float]:
    """Seconds to materialise the wave and of that to make its short links, messages added,
    short links made, and when (time.time()) its batches were queued: the sending's start."""
    from sqlalchemy import func, select

    from pcrm.campaigns import launch, waves
    from pcrm.campaigns.models import CampaignWave
    from pcrm.db import utcnow
    from pcrm.extensions import db
    from pcrm.messaging.models import ShortLink

    linking, queued = [], []
    create_short_links, enqueue_batches = launch.create_short_links, waves.enqueue_batches

    def timed_links(**kwargs):
        started = time.perf_counter()
        made = create_short_links(**kwargs)
        linking.append(time.perf_counter() - started)
        return made

    def noted_enqueue(*args):
        queued.append(time.time())
        return enqueue_batches(*args)

    launch.create_short_links, waves.enqueue_batches = timed_links, noted_enqueue
    wave = db.session.get(CampaignWave, wave_id)
    started = time.perf_counter()
    added = waves.materialise_wave(wave, now=utcnow())
    elapsed = time.perf_counter() - started
    launch.create_short_links, waves.enqueue_batches = create_short_links, enqueue_batches
    links = db.session.scalar(select(func.count()).select_from(ShortLink))
    db.session.commit()
    return elapsed, sum(linking), added, links, queued[0]


def wait_until_sent(campaign_id: int, wave: int, expected: int, timeout: float) -> float:
    """Wait until the campaign is sent again (its status: a cheap read, where counting the
    wave's messages at each poll would take a share of the machine from the workers), check
    every message of the wave went, and return when (time.time()) the campaign was finished:
    the poll's own delay is not the sending's."""
    from sqlalchemy import func, select

    from pcrm.campaigns.models import Campaign, CampaignStatus
    from pcrm.extensions import db
    from pcrm.messaging.models import Message, MessageStatus

    deadline, finished = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        status, finished = db.session.execute(
            select(Campaign.status, Campaign.finished_at).where(Campaign.id == campaign_id)
        ).one()
        db.session.commit()
        if status is CampaignStatus.SENT:
            break
        time.sleep(0.05)
    done = db.session.scalar(
        select(func.count()).where(
            Message.campaign_id == campaign_id,
            Message.wave == wave,
            Message.status.not_in([MessageStatus.QUEUED, MessageStatus.SENDING]),
        )
    )
    db.session.commit()
    if done < expected:
        raise SystemExit(f"the wave did not finish in time ({done:,} of {expected:,})")
    return finished.timestamp()


@dataclass(frozen=True)
class WaveRun:
    number: int
    added: int
    links: int
    materialise_s: float
    links_s: float
    audience_s: float
    send_s: float
    accepted: int
    direct_rate: float  # the mean of the direct rates before and after the wave

    @property
    def rate(self) -> float:
        return self.added / self.send_s

    @property
    def ratio(self) -> float:
        return self.rate / self.direct_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=30_530)
    parser.add_argument("--answered", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()

    fake = FakeSens()
    base_url = fake.start()
    env = os.environ | {
        "PCRM_ENV": "test",
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS),
        "SECRET_KEY": "bench",
        "BASE_URL": "https://pcrm.bench",
        "SMS_PROVIDER": "sens",
        "SENS_ACCESS_KEY": fake.access_key,
        "SENS_SECRET_KEY": fake.secret_key,
        "SENS_SERVICE_ID": fake.service_id,
        "SENS_FROM": fake.sender,
        "SENS_BASE_URL": base_url,
        "SMS_QUIET_START": "00:00",  # no quiet hours: the bench may run at any hour
        "SMS_QUIET_END": "00:00",
        "SMS_OPT_OUT_LINE": "무료수신거부 080-000-0000",
        "PCRM_INSTANCE_PATH": str(ROOT / "instance" / "bench"),
    }
    os.environ.update(env)
    reset_database(env["DATABASE_URL"])

    from flask_migrate import upgrade
    from redis import Redis

    from pcrm import create_app

    Redis.from_url(env["REDIS_URL"]).flushdb()
    app = create_app()
    workers: list[subprocess.Popen] = []
    runs: list[WaveRun] = []
    try:
        with app.app_context():
            upgrade()
            campaign_id, wave_ids = seed(args.recipients, args.answered, args.waves)
            workers = start_workers(args.workers, env)
            outgoing = texts(args.recipients)
            direct(fake, base_url, outgoing[:1000], "lms")  # warm up the server and the code paths
            # The baseline before and after each wave, their mean used.
            per_text = [direct(fake, base_url, outgoing, "lms") / len(outgoing)]
            for number, wave_id in enumerate(wave_ids, start=1):
                audience_s = audience_timed(wave_id)
                sent_before = len(fake.accepted_to)
                materialise_s, links_s, added, links, queued_at = materialise_timed(wave_id)
                timeout = max(120, added / 50)
                finished_at = wait_until_sent(campaign_id, number, added, timeout=timeout)
                accepted = len(fake.accepted_to) - sent_before
                per_text.append(direct(fake, base_url, outgoing, "lms") / len(outgoing))
                direct_rate = 2 / (per_text[-2] + per_text[-1])
                send_s = finished_at - queued_at
                run = WaveRun(
                    number, added, links, materialise_s, links_s, audience_s, send_s, accepted,
                    direct_rate,
                )  # fmt: skip
                runs.append(run)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
        fake.stop()
    print(
        f"{args.recipients:,} policy customers, {args.answered:.0%} answered; "
        f"{args.workers} workers"
    )
    for run in runs:
        print(
            f"wave {run.number}: materialise {run.added:,} messages, {run.links:,} short links in"
            f" all: {run.materialise_s:.2f} s (of which short links {run.links_s:.2f} s; counting"
            f" the same audience alone {run.audience_s:.2f} s); SENS accepted {run.accepted:,}"
        )
        print(
            f"  sent through real RQ workers {run.rate:,.0f} msg/s ({run.send_s:.2f} s); direct"
            f" pre-built batches {run.direct_rate:,.0f} msg/s; ratio {run.ratio:.2f}"
        )
    materialise_s = median(run.materialise_s for run in runs)
    print(
        f"median materialise: {materialise_s:.2f} s (target < 2 s: {materialise_s / 2:.2f} of"
        f" it; ratio to counting the audience alone"
        f" {materialise_s / median(run.audience_s for run in runs):.1f})"
    )
    print(
        f"median wave: {median(run.rate for run in runs):,.0f} msg/s, direct"
        f" {median(run.direct_rate for run in runs):,.0f} msg/s"
    )
    print(f"median ratio wave / direct: {median(run.ratio for run in runs):.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
