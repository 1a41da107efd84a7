"""How many PUTs may be in flight: halved when S3 says slow down, regained one by one."""

from __future__ import annotations

import threading


class ConcurrencyLimiter:
    """Additive increase, multiplicative decrease, as TCP: quick relief, then back to full speed."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum
        self.throttled = 0
        self._in_flight = 0
        self._successes = 0
        self._condition = threading.Condition()

    def __enter__(self) -> ConcurrencyLimiter:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def acquire(self) -> None:
        with self._condition:
            while self._in_flight >= self.limit:
                self._condition.wait()
            self._in_flight += 1

    def release(self) -> None:
        with self._condition:
            self._in_flight -= 1
            self._condition.notify()

    def on_throttle(self) -> None:
        with self._condition:
            self.throttled += 1
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self._successes = 0

    def on_success(self) -> None:
        with self._condition:
            self._successes += 1
            if self.limit < self.maximum and self._successes >= self.limit:
                self._successes = 0
                self.limit += 1
                self._condition.notify()
