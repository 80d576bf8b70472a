"""Jobs enqueued through queues.enqueue run on a real worker, inside the app context."""

import os
import signal
import time

import pytest
from rq.job import Job, JobStatus

from pcrm.auth import service as auth_service
from pcrm.auth.models import Department
from pcrm.extensions import db, queues
from pcrm.queue import QUEUE_NAMES, URGENT
from pcrm.schedule import PERIODIC_JOBS
from pcrm.worker import AppWorker

pytestmark = pytest.mark.usefixtures("app")


def test_a_job_runs_in_the_app_context_on_a_real_worker(start_worker):
    job = queues.enqueue(auth_service.create_department, queue=URGENT, name_ko="시험과")
    worker = start_worker("--burst")
    assert worker.wait(60) == 0, worker.stdout.read().decode()
    assert Job.fetch(job.id, connection=queues.redis).get_status() == JobStatus.FINISHED
    db.session.remove()
    names = db.session.scalars(db.select(Department.name_ko)).all()
    assert names == ["시험과"]


def test_every_queue_has_a_worker_by_default_and_periodic_jobs_use_known_queues():
    from pcrm.commands import worker

    default = next(p for p in worker.params if p.name == "queue_names").default
    assert tuple(default.split(",")) == QUEUE_NAMES
    assert all(job.queue in QUEUE_NAMES for job in PERIODIC_JOBS)


def test_an_unknown_queue_is_refused(runner):
    result = runner.invoke(args=["worker", "--queues", "urgent,nightly"])
    assert result.exit_code == 2 and "Unknown queues: nightly" in result.output


def test_enqueue_passes_positional_and_keyword_arguments_and_options():
    from datetime import timedelta

    from pcrm.db import utcnow

    job = queues.enqueue(
        auth_service.update_department,
        7,
        queue=URGENT,
        timeout=30,
        job_id="rename-7",
        name_ko="새 이름",
        name_en="",
    )
    assert (job.args, job.kwargs) == ((7,), {"name_ko": "새 이름", "name_en": ""})
    assert (job.id, job.timeout, job.origin) == ("rename-7", 30, URGENT)
    later = queues.enqueue(auth_service.departments, at=utcnow() + timedelta(hours=1))
    assert later.get_status() == JobStatus.SCHEDULED


@pytest.fixture
def held_signals():
    """The test process's own SIGTERM and SIGINT handlers, put back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_stop_before_rq_listens_is_remembered_and_a_forked_scheduler_still_stops(held_signals):
    worker = AppWorker([URGENT], connection=queues.redis)
    worker.hold_stop_signals()
    # RQ's scheduler process is forked in that window: a SIGTERM must still end it, or the
    # worker's warm stop waits for it for ever.
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)
        os._exit(0)
    _pid, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
    # The worker itself only remembers it: its loop stops before taking a job.
    os.kill(os.getpid(), signal.SIGTERM)
    assert worker._stop_requested
