"""The RQ worker with the app: every job runs inside an application context, in the worker's
own process.

Not RQ's forking worker. A fork per job started every job cold: new database connections, and
SQLAlchemy's compiled statements, the templates and the SMS provider's client built again; in
bench/reminders.py that was half of a campaign batch's time. Campaign sending does not rely on the
fork for safety: a worker killed mid-batch leaves its messages claimed, and the reconciler gives
them back (campaigns.reconcile); a job over its timeout is stopped by an alarm signal.
"""

import gc
import os
import signal
import threading

from flask import Flask
from rq import SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy.orm import configure_mappers

from pcrm.extensions import db, queues
from pcrm.messaging import sens
from pcrm.queue import QUEUE_NAMES
from pcrm.schedule import PERIODIC_JOBS

YOUNG_COLLECTION_EVERY = 10_000  # new container objects (Python's default: 700)


class AppWorker(SimpleWorker):
    """Runs each job in the app's context; the database session ends with the job."""

    app: Flask

    def bootstrap(self, *args, **kwargs):
        self.hold_stop_signals()
        super().bootstrap(*args, **kwargs)

    def hold_stop_signals(self) -> None:
        """RQ registers the worker, and forks its scheduler, before it installs its signal
        handlers; a SIGTERM in between (a launcher stopping at once) would kill the worker
        unregistered. Remember the request instead: the work loop then stops cleanly before
        taking a job. The scheduler's process, forked meanwhile, inherits this handler until it
        installs its own: there a SIGTERM keeps its default effect, or the worker's stop would
        wait for that process for ever."""
        owner = os.getpid()

        def remember_stop(signum, _frame):
            if os.getpid() != owner:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            self._stop_requested = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, remember_stop)

    def perform_job(self, job, queue, execution) -> bool:
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


class _ThreadCron(CronScheduler):
    """The cron loop in a thread of the worker: signals stay with the worker."""

    def _install_signal_handlers(self):
        pass


def start_cron(app: Flask, log_level: str = "INFO") -> CronScheduler:
    """Enqueue the periodic jobs on their intervals from a daemon thread."""
    cron = _ThreadCron(connection=queues.redis, logging_level=log_level)
    for job in PERIODIC_JOBS:
        cron.register(job.func, job.queue, interval=job.interval)
    threading.Thread(target=cron.start, name="pcrm-cron", daemon=True).start()
    return cron


def run_worker(
    app: Flask,
    queue_names: tuple[str, ...] = QUEUE_NAMES,
    *,
    with_scheduler: bool = True,
    burst: bool = False,
    name: str | None = None,
    log_level: str = "INFO",
) -> bool:
    """Work the queues until stopped (or empty, with burst); the scheduler runs enqueue_at jobs."""
    with app.app_context():
        # Once, before the first job: the first campaign batch would pay for it (about 8% of a
        # batch job's time in bench/send.py; the SENS client's TLS and transport a fifth of an
        # SMS batch's in bench/reminders.py).
        configure_mappers()
        sens.warm_up()
        if not burst:
            # A worker that runs until stopped keeps everything loaded so far (modules, mappers,
            # templates) for life: frozen, no garbage collection walks it again. Unfrozen, the
            # full collections a batch's allocations set off took a fifth of a worker's time
            # in an SMS wave (bench/reminders.py). A batch's rows and texts live until it ends:
            # collecting the young every 700 new objects only walked them, again and again.
            gc.freeze()
            gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
        connection = queues.redis
        AppWorker.app = app
        worker = AppWorker(queue_names, connection=connection, name=name)
        if with_scheduler and not burst:
            start_cron(app, log_level)
        return worker.work(with_scheduler=with_scheduler, burst=burst, logging_level=log_level)
