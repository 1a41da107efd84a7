"""ChainedCache under threads: the same keys hammered, writes racing reads and writes."""

from __future__ import annotations

import random
import sys
import threading
from typing import Any

import pytest
from django.core.cache import caches

from support import cache_chain
from support.cache_chain import PausingCache

django_configured = cache_chain.django_configured
use_chain = cache_chain.use_chain
pausing_chain = cache_chain.pausing_chain


# -- concurrency -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["locmem", "filebased"])
def test_threads_hammering_the_same_keys(use_chain, kind: str) -> None:
    c = use_chain(kind)
    counters = [f"counter{i}" for i in range(3)]
    values = [f"value{i}" for i in range(3)]
    c["chain"].set_many(dict.fromkeys(counters, 0), timeout=None)
    increments = [0] * len(counters)
    increments_lock = threading.Lock()
    errors: list[BaseException] = []
    threads_count, ops = 8, 300
    barrier = threading.Barrier(threads_count + 1)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            # Django gives each thread its own instances, as in a threaded server.
            chain, mem = caches["chain"], caches["mem_only"]
            barrier.wait()
            for i in range(ops):
                op = rng.random()
                if op < 0.25:
                    n = rng.randrange(len(counters))
                    chain.incr(counters[n])
                    with increments_lock:
                        increments[n] += 1
                elif op < 0.45:
                    chain.set(rng.choice(values), (seed, i), timeout=60)
                elif op < 0.5:
                    chain.delete(rng.choice(values))
                elif op < 0.6:
                    mem.delete(rng.choice(values + counters))  # memory eviction: forces fills
                elif op < 0.7:
                    chain.get_many(rng.sample(values + counters, 3))
                else:
                    chain.get(rng.choice(values + counters))
        except BaseException as exc:
            errors.append(exc)
            raise

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads_count)]
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so that the races actually happen
    try:
        for thread in threads:
            thread.start()
        barrier.wait()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(switch_interval)
    assert not errors
    chain, mem, deep = c["chain"], c["mem_only"], c["deep_only"]
    for counter, expected in zip(counters, increments, strict=True):
        assert deep.get(counter) == expected
        assert chain.get(counter) == expected
        assert mem.get(counter, expected) == expected
    for key in values:
        shared = deep.get(key, "missing")
        assert mem.get(key, shared) == shared  # memory holds the shared value or nothing
        assert chain.get(key, "missing") == shared


def test_a_write_during_a_deep_read_cancels_the_fill(pausing_chain) -> None:
    """The race of read-through caches: read old deep value, a write lands, fill old value."""
    pausing_chain["deep_only"].set("slow", "old")
    seen: list[Any] = []
    PausingCache.arm()
    reader = threading.Thread(target=lambda: seen.append(caches["chain"].get("slow")))
    reader.start()
    try:
        assert PausingCache.done.wait(10)  # the reader has read "old" from the deep level
        pausing_chain["chain"].set("slow", "new")
    finally:
        PausingCache.proceed.set()
        reader.join(10)
    assert seen == ["old"]  # the read happened before the write
    assert pausing_chain["mem_only"].get("slow") == "new"  # ... and its fill was dropped
    assert pausing_chain["chain"].get("slow") == "new"


def test_concurrent_writes_of_a_key_leave_the_levels_agreeing(pausing_chain) -> None:
    PausingCache.arm()
    first = threading.Thread(target=lambda: caches["chain"].set("slow", "first"))
    first.start()
    second = threading.Thread(target=lambda: caches["chain"].set("slow", "second"))
    try:
        assert PausingCache.done.wait(10)  # "first" is in the deep level, not yet in memory
        second.start()
        second.join(0.3)
        assert second.is_alive()  # waits for the first write to finish all levels
    finally:
        PausingCache.proceed.set()
        first.join(10)
        second.join(10)
    shared = pausing_chain["deep_only"].get("slow")
    assert pausing_chain["mem_only"].get("slow") == shared == "second"
