"""Process-wide write ordering for every chain, kept out of the chain's instances (see
``_Stripes`` for why)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class _Stripes:
    """Per-key write serialisation and fill invalidation, shared by every chain in a process.

    Django hands each thread its own cache instances, so the state lives here, not on the
    instance. A write holds the lock of its key's stripe while it writes all levels (so two
    writers cannot leave the levels disagreeing) and then bumps the stripe's generation. A
    read that misses the top level notes the generation before reading deeper and fills only
    if it is unchanged, so a fill never writes back a value that a write from this process
    replaced meanwhile. A fill only *tries* the lock: when a write holds it the fill is
    skipped, so no read ever waits on a lock of ours (top-level hits take none at all).
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
        """The key's stripe lock, held, if no write is under way or happened since
        ``generation`` was read; else None (the caller skips its fill)."""
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
