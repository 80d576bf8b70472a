"""The Redis a benchmark's app is given: BENCH_REDIS_URL, else db 12 of the local server.

The demo loader queues staff notices and jobs, so an app without Redis fails when it loads the
demo office. The benchmarks keep to dbs 12-15; the tests use low numbers.
"""

import os

DEFAULT_REDIS = "redis://127.0.0.1:6379/12"


def bench_redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
