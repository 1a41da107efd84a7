"""Process-wide write ordering for every chain, kept out of the chain's instances."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class _Stripes:
    """Per-key write serialisation and fill invalidation, shared by every chain in a process.

    Django gives each thread its own cache instances, so the state lives here. A write holds its
    key's stripe across all levels, then bumps the stripe's generation; a fill only tries the lock
    and skips if the generation moved, so no read waits.
    """

    def __init__(self, count: int = 64) -> None:
        self.generations = [0] * count
        self.reset_locks()

    def reset_locks(self) -> None:
        """New locks; run in a forked child, where a lock another thread held stays held."""
        self.locks = tuple(threading.Lock() for _ in self.generations)

    def index(self, key: str) -> int:
        return hash(key) % len(self.locks)

    def generation(self, key: str) -> int:
        return self.generations[self.index(key)]

    @contextmanager
    def writing(self, keys: Iterable[str] | None) -> Iterator[None]:
        """Hold the stripes of ``keys`` (all stripes for None), in a fixed order."""
        if keys is None:
            indexes = list(range(len(self.locks)))
        else:
            indexes = sorted({self.index(key) for key in keys})
        for i in indexes:
            self.locks[i].acquire()
        try:
            yield
        finally:
            for i in indexes:
                self.generations[i] += 1
            for i in reversed(indexes):
                self.locks[i].release()

    def claim_for_fill(self, key: str, generation: int) -> threading.Lock | None:
        """The key's stripe lock, held, if no write ran since ``generation``; else None."""
        i = self.index(key)
        lock = self.locks[i]
        if not lock.acquire(blocking=False):
            return None
        if self.generations[i] != generation:
            lock.release()
            return None
        return lock


_stripes = _Stripes()
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_stripes.reset_locks)
