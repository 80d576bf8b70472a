"""Redis, the RQ queues and the one way jobs are enqueued.

Jobs take ids only and are enqueued after the transaction that created their rows has
committed; the database stays the source of truth and Redis only carries work.
"""

from collections.abc import Callable
from datetime import datetime

from flask import current_app
from redis import Redis
from rq import Queue, Retry

# Every queue a worker listens to, most urgent first: the order is the worker's priority.
URGENT = "urgent"  # a test send, a confirmation e-mail: someone is waiting for it
DEFAULT = "default"  # imports, exports, reconciliation
BULK = "bulk"  # campaign batches
QUEUE_NAMES = (URGENT, DEFAULT, BULK)


class _Connection:
    """One app's Redis URL and its lazily opened client."""

    def __init__(self, url: str | None):
        self.url = url
        self.client: Redis | None = None


class Queues:
    """Flask extension for Redis and the queues; its state lives on each app, as Flask's do."""

    def init_app(self, app) -> None:
        app.extensions["pcrm_queues"] = _Connection(app.config["REDIS_URL"])

    @property
    def url(self) -> str | None:
        """The current app's REDIS_URL."""
        return current_app.extensions["pcrm_queues"].url

    @property
    def redis(self) -> Redis:
        connection: _Connection = current_app.extensions["pcrm_queues"]
        if connection.url is None:
            raise RuntimeError("REDIS_URL is not set: run `pcrm up`, or point REDIS_URL at Redis")
        if connection.client is None:
            connection.client = Redis.from_url(
                connection.url,
                socket_timeout=10,
                socket_connect_timeout=5,
                health_check_interval=30,
            )
        return connection.client

    def get(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.redis)

    def enqueue(
        self,
        func: Callable | str,
        *args,
        queue: str = DEFAULT,
        at: datetime | None = None,
        retry: Retry | None = None,
        job_id: str | None = None,
        timeout: int | None = None,
        **kwargs,
    ):
        """Enqueue `func(*args, **kwargs)` now, or at `at` (needs a worker --with-scheduler).

        `func` may be the job's dotted path: a service that its job module imports names its job
        that way, so the two do not import each other."""
        # RQ's explicit form (args=, kwargs=): a job's own arguments never clash with its options.
        # The description, which workers log and dashboards show, names the job without its
        # arguments: some carry an address (a test send) or a message token.
        options = {"retry": retry, "job_id": job_id, "job_timeout": timeout}
        options["description"] = func if isinstance(func, str) else _dotted_path(func)
        options = {key: value for key, value in options.items() if value is not None}
        options |= {"args": args, "kwargs": kwargs}
        target = self.get(queue)
        if at is not None:
            return target.enqueue_at(at, func, **options)
        return target.enqueue(func, **options)

    def depths(self) -> dict[str, int]:
        return {name: len(self.get(name)) for name in QUEUE_NAMES}


def _dotted_path(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"
