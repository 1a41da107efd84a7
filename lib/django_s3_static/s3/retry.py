"""The one retry policy: exponential backoff with jitter, as AWS recommends.

https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import is_passing

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    base: float = 0.1
    cap: float = 20.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try ``attempt``: half to all of ``base * 2**attempt``."""
        return min(self.cap, self.base * 2**attempt) * random.uniform(0.5, 1.0)

    def pause(self, attempt: int) -> None:
        time.sleep(self.delay(attempt))

    def call(
        self, send: Callable[[], T], on_failure: Callable[[Exception], None] | None = None
    ) -> T:
        """``send()`` until it returns, retrying failures that pass; the last one is raised."""
        for attempt in range(1, self.attempts + 1):
            try:
                return send()
            except Exception as exc:
                if on_failure is not None:
                    on_failure(exc)
                if attempt == self.attempts or not is_passing(exc):
                    raise
            self.pause(attempt)
        raise AssertionError("unreachable: attempts is at least 1")
