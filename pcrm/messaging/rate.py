"""MAIL_SEND_RATE: messages per second across every worker, counted in Redis (limits).

A moving window, as relays count: never more than the rate in any one second, not even across
the edge of two fixed windows (which would let twice the rate through in an instant)."""

import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class SendRate:
    """Blocks until the next message may go; does nothing when the rate is 0 (unlimited)."""

    def __init__(self, per_second: int, redis_url: str | None):
        self.item = RateLimitItemPerSecond(per_second) if per_second > 0 else None
        self.limiter = None
        if self.item is not None:
            storage = (
                storage_from_string(redis_url) if redis_url else storage_from_string("memory://")
            )
            self.limiter = MovingWindowRateLimiter(storage)

    def wait(self) -> None:
        if self.limiter is None:
            return
        while not self.limiter.hit(self.item, "pcrm-mail"):
            reset = self.limiter.get_window_stats(self.item, "pcrm-mail").reset_time
            time.sleep(max(0.005, min(1.0, reset - time.time())))
