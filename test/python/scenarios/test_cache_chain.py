"""ChainedCache behaviour that Django's own backend tests do not cover.

Fill lifetimes, coherence between aliases that share levels, the staleness bound, level
failures (a real Redis, stopped), concurrency, cached None, and which keys each level is
asked for. Levels are inspected through one-level chains over a single level ("mem_only",
"deep_only"): they make keys exactly as the two-level chain does, so they see its entries.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import CacheKeyWarning, InvalidCacheBackendError, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_s3_static.cache import ChainedCache
from support import redis_server as rs

redis_server = rs.redis_server

CHAIN = "django_s3_static.cache.ChainedCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
FILEBASED = "django.core.cache.backends.filebased.FileBasedCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
DEEP_KINDS = ["locmem", "filebased", "redis"]


@pytest.fixture(scope="module", autouse=True)
def django_configured() -> None:
    """Configure minimal settings unless the session already did; tests override CACHES."""
    if not settings.configured:
        settings.configure(
            CACHES={"default": {"BACKEND": LOCMEM}},
            INSTALLED_APPS=[],
            DATABASES={},
        )
        import django

        django.setup()


# -- a small in-memory backend that records what it is asked, for the pure-logic tests ----

_stores: dict[str, dict[str, tuple[Any, float | None]]] = {}
calls: dict[str, list[tuple[str, Any]]] = {}
failing_keys: dict[str, set[str]] = {}


class RecordingCache(BaseCache):
    """Dict-backed; records each call; cannot tell an entry's expiry (a "generic" level);
    ``set_many`` reports the keys listed in ``failing_keys[location]`` as failed."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.location = location
        self._store = _stores.setdefault(location, {})
        self.calls = calls.setdefault(location, [])

    def _live(self, key: str) -> bool:
        entry = self._store.get(key)
        if entry is None:
            return False
        if entry[1] is not None and entry[1] <= time.time():
            del self._store[key]
            return False
        return True

    def _expiry(self, timeout: Any) -> float | None:
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else time.time() + timeout

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        self.calls.append(("get", key))
        return self._store[key][0] if self._live(key) else default

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        self.calls.append(("get_many", made))
        return {key: self._store[key][0] for key in made if self._live(key)}

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        self.calls.append(("set", (key, timeout)))
        self._store[key] = (value, self._expiry(timeout))

    def set_many(self, data: dict, timeout: Any = DEFAULT_TIMEOUT, version=None) -> list:
        failing = failing_keys.get(self.location, set())
        self.calls.append(("set_many", (sorted(data), timeout)))
        for key, value in data.items():
            if key not in failing:
                self._store[key] = (value, self._expiry(timeout))
        return sorted(set(data) & failing)

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        if self._live(key):
            return False
        self._store[key] = (value, self._expiry(timeout))
        return True

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        if not self._live(key):
            return False
        self._store[key] = (self._store[key][0], self._expiry(timeout))
        return True

    def delete(self, key: str, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._store.pop(key, None) is not None

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._live(self.make_and_validate_key(key, version=version))

    def clear(self) -> None:
        self._store.clear()


RECORDING = f"{__name__}.RecordingCache"


class PausingCache(RecordingCache):
    """Once armed, pauses the next get() or set() of a key ending in "slow" after it has
    done its work, until told to go on."""

    armed = False
    arm_lock = threading.Lock()
    done = threading.Event()
    proceed = threading.Event()

    @classmethod
    def arm(cls) -> None:
        cls.done.clear()
        cls.proceed.clear()
        cls.armed = True

    def _pause(self, key: str) -> None:
        with self.arm_lock:
            pause, PausingCache.armed = key.endswith("slow") and self.armed, False
        if pause:
            self.done.set()
            assert self.proceed.wait(10)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        value = super().get(key, default, version)
        self._pause(key)
        return value

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version=None) -> None:
        super().set(key, value, timeout, version)
        self._pause(key)


@pytest.fixture
def pausing_chain() -> Iterator[dict[str, BaseCache]]:
    """A chain "mem" → PausingCache; the test drives PausingCache.done / .proceed."""
    setting = chain_setting({"BACKEND": f"{__name__}.PausingCache", "LOCATION": uuid.uuid4().hex})
    with override_settings(CACHES=setting):
        yield {alias: caches[alias] for alias in ("chain", "mem_only", "deep_only")}
    PausingCache.armed = False
    PausingCache.proceed.set()


# -- settings helpers ----------------------------------------------------------------------


def chain_setting(deep: dict[str, Any], **options: Any) -> dict[str, Any]:
    """CACHES with "chain" and "other" over the levels "mem" → "deep" (unique locations),
    plus one-level chains "mem_only" and "deep_only" to look at each level."""
    tag = uuid.uuid4().hex[:8]
    chain_options = {"CACHES": ["mem", "deep"], **options}
    return {
        "default": {"BACKEND": LOCMEM, "LOCATION": f"default-{tag}"},
        "chain": {"BACKEND": CHAIN, "OPTIONS": chain_options},
        "other": {"BACKEND": CHAIN, "OPTIONS": chain_options},
        "mem_only": {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["mem"], "MAX_MEMORY_TIMEOUT": None}},
        "deep_only": {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["deep"]}},
        "mem": {"BACKEND": LOCMEM, "LOCATION": f"mem-{tag}"},
        "deep": deep,
    }


def deep_level(kind: str, tmp_path: Path, redis_url: str | None = None) -> dict[str, Any]:
    if kind == "locmem":
        return {"BACKEND": LOCMEM, "LOCATION": f"deep-{uuid.uuid4().hex[:8]}"}
    if kind == "filebased":
        return {"BACKEND": FILEBASED, "LOCATION": str(tmp_path / "filebased")}
    if kind == "redis":
        assert redis_url
        return {"BACKEND": REDIS, "LOCATION": redis_url}
    return {"BACKEND": RECORDING, "LOCATION": f"rec-deep-{uuid.uuid4().hex[:8]}"}


@pytest.fixture
def use_chain(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., dict[str, BaseCache]]]:
    """``use_chain(kind, **OPTIONS)`` activates chain_setting() for the test's duration and
    returns the aliases' cache objects; each deep level is cleared at the end."""
    active: list[override_settings] = []

    def activate(kind: str = "locmem", **options: Any) -> dict[str, BaseCache]:
        redis_url = request.getfixturevalue("redis_server").url if kind == "redis" else None
        deep = deep_level(kind, tmp_path, redis_url)
        override = override_settings(CACHES=chain_setting(deep, **options))
        override.enable()
        active.append(override)
        aliases = ("chain", "other", "mem_only", "deep_only", "mem")
        return {alias: caches[alias] for alias in aliases}

    yield activate
    for override in reversed(active):
        caches["deep_only"].clear()
        override.disable()


def mem_expiry(mem: LocMemCache, chain: BaseCache, key: str) -> float | None:
    return mem._expire_info[chain.make_key(key)]


# -- fill lifetimes --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_fill_never_outlives_the_deep_entry(use_chain, kind: str) -> None:
    c = use_chain(kind)
    c["deep_only"].set("k", "deep value", timeout=2)
    assert c["mem_only"].get("k") is None

    assert c["chain"].get("k") == "deep value"
    assert 1.5 < mem_expiry(c["mem"], c["chain"], "k") - time.time() <= 2.0
    assert c["mem_only"].get("k") == "deep value"  # filled

    time.sleep(2.1)
    assert c["deep_only"].get("k") is None
    assert c["mem_only"].get("k") is None
    assert c["chain"].get("k", "gone") == "gone"


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_fill_of_a_non_expiring_entry_is_capped(use_chain, kind: str) -> None:
    c = use_chain(kind, MAX_MEMORY_TIMEOUT=30)
    c["deep_only"].set("k", "forever", timeout=None)
    before = time.time()
    assert c["chain"].get("k") == "forever"
    assert before < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 30


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_get_many_fills_with_each_entry_lifetime(use_chain, kind: str) -> None:
    c = use_chain(kind)
    c["deep_only"].set("short", 1, timeout=2)
    c["deep_only"].set("long", 2, timeout=20)
    assert c["chain"].get_many(["short", "long", "none"]) == {"short": 1, "long": 2}
    assert 1.5 < mem_expiry(c["mem"], c["chain"], "short") - time.time() <= 2.0
    assert 15 < mem_expiry(c["mem"], c["chain"], "long") - time.time() <= 20.0


def test_fill_from_a_level_that_cannot_tell_the_lifetime_uses_fill_timeout(use_chain) -> None:
    c = use_chain("recording", FILL_TIMEOUT=7)
    c["deep_only"].set("k", "v", timeout=3600)
    now = time.time()
    assert c["chain"].get("k") == "v"
    assert now + 6 < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 7


def test_set_caps_the_memory_copy_and_not_the_deep_entry(use_chain) -> None:
    c = use_chain("locmem", MAX_MEMORY_TIMEOUT=5)
    now = time.time()
    c["chain"].set("k", "v", timeout=None)
    assert now < mem_expiry(c["mem"], c["chain"], "k") <= time.time() + 5
    deep = caches["deep"]
    assert deep._expire_info[c["chain"].make_key("k")] is None
    c["chain"].set("short", "v", timeout=2)
    assert mem_expiry(c["mem"], c["chain"], "short") <= time.time() + 2


def test_cross_process_staleness_is_bounded_by_max_memory_timeout(use_chain) -> None:
    c = use_chain("locmem", MAX_MEMORY_TIMEOUT=1)
    c["chain"].set("k", "old", timeout=60)
    # Another process writes the shared level; this process's memory does not hear of it.
    c["deep_only"].set("k", "new", timeout=60)
    assert c["chain"].get("k") == "old"
    time.sleep(1.1)
    assert c["chain"].get("k") == "new"


# -- decisions of the deepest level ---------------------------------------------------------


def test_add_incr_decr_touch_are_decided_by_the_deepest_level(use_chain) -> None:
    c = use_chain("locmem")
    chain, mem, deep = c["chain"], c["mem_only"], c["deep_only"]

    deep.set("taken", "deep")  # e.g. added by another process
    assert chain.add("taken", "mine") is False
    assert chain.get("taken") == "deep"

    mem.set("stale", "left over")  # the shared entry is gone, a memory copy is not
    assert chain.add("stale", "fresh") is True
    assert (mem.get("stale"), deep.get("stale")) == ("fresh", "fresh")

    mem.set("counter", 100)
    with pytest.raises(ValueError):
        chain.incr("counter")
    assert mem.get("counter") is None  # the stale copy is dropped

    deep.set("n", 5, timeout=3)
    mem.set("n", 1)
    assert chain.incr("n", 10) == 15
    assert chain.decr("n", 3) == 12
    assert mem_expiry(c["mem"], chain, "n") - time.time() <= 3.0  # the deep entry's lifetime
    assert (mem.get("n"), deep.get("n"), chain.get("n")) == (12, 12, 12)

    mem.set("ghost", "x")
    assert chain.touch("ghost", 10) is False
    assert mem.get("ghost") is None
    chain.set("t", "v", timeout=2)
    assert chain.touch("t", None) is True
    assert deep.get("t") == "v" and caches["deep"]._expire_info[chain.make_key("t")] is None


def test_delete_and_has_key_see_every_level(use_chain) -> None:
    c = use_chain("locmem")
    chain, mem, deep = c["chain"], c["mem_only"], c["deep_only"]
    deep.set("d", 1)
    mem.set("m", 2)
    assert chain.has_key("d") and chain.has_key("m") and not chain.has_key("x")
    assert mem.get("d") is None  # has_key copies nothing upwards
    assert chain.delete("d") is True and chain.delete("m") is True
    assert chain.delete("d") is False
    chain.set_many({"a": 1, "b": 2, "c": 3})
    chain.delete_many(["a", "b"])
    assert mem.get_many(["a", "b", "c"]) == deep.get_many(["a", "b", "c"]) == {"c": 3}
    chain.clear()
    assert not mem.has_key("c") and not deep.has_key("c")


def test_set_many_returns_the_keys_any_level_failed(use_chain) -> None:
    setting = chain_setting(deep_level("recording", Path()))
    setting["mem"] = {"BACKEND": RECORDING, "LOCATION": f"rec-mem-{uuid.uuid4().hex[:8]}"}
    with override_settings(CACHES=setting):
        chain, mem, deep = caches["chain"], caches["mem_only"], caches["deep_only"]
        failing_keys[setting["deep"]["LOCATION"]] = {chain.make_key("a")}
        failing_keys[setting["mem"]["LOCATION"]] = {chain.make_key("b")}
        mem.set("a", "old a")
        mem.set("b", "old b")
        assert chain.set_many({"a": 1, "b": 2, "c": 3}) == ["a", "b"]
        # No level keeps an older value than the one the caller failed to store.
        assert mem.get_many(["a", "b", "c"]) == {"c": 3}
        assert deep.get_many(["a", "b", "c"]) == {"b": 2, "c": 3}
        assert chain.get("b") == 2


# -- keys --------------------------------------------------------------------------------


def custom_key(key: str, prefix: str, version: int) -> str:
    return f"custom|{prefix}|{version}|{key}"


def test_keys_are_made_and_validated_once_by_the_chain() -> None:
    tag = uuid.uuid4().hex[:8]
    setting = {
        "default": {"BACKEND": LOCMEM},
        "chain": {
            "BACKEND": CHAIN,
            "KEY_PREFIX": "chainprefix",
            "VERSION": 3,
            "KEY_FUNCTION": custom_key,
            "OPTIONS": {"CACHES": ["mem", "deep"]},
        },
        # The level aliases' own key settings must not apply to keys written via the chain.
        "mem": {"BACKEND": RECORDING, "LOCATION": f"mem-{tag}", "KEY_PREFIX": "ignored"},
        "deep": {"BACKEND": RECORDING, "LOCATION": f"deep-{tag}", "VERSION": 9},
    }
    with override_settings(CACHES=setting):
        chain = caches["chain"]
        chain.set("k", "v")
        assert set(_stores[f"mem-{tag}"]) == {"custom|chainprefix|3|k"}
        assert set(_stores[f"deep-{tag}"]) == {"custom|chainprefix|3|k"}
        assert chain.get("k", version=4) is None
        assert ("get", "custom|chainprefix|4|k") in calls[f"deep-{tag}"]

        bad_key = "key with spaces"
        for operation in (chain.get, chain.has_key, chain.delete):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                operation(bad_key)
            assert [w.category for w in caught] == [CacheKeyWarning], operation


# -- None is a value ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_cached_none_is_a_hit(use_chain, kind: str) -> None:
    c = use_chain(kind)
    chain, mem = c["chain"], c["mem_only"]
    chain.set("n", None)
    assert chain.get("n", "default") is None
    assert chain.get_many(["n"]) == {"n": None}
    assert chain.has_key("n")

    c["deep_only"].set("deep_none", None)
    assert chain.get("deep_none", "default") is None
    assert mem.has_key("deep_none")  # filled: a None from the deep level is a hit too
    assert chain.get_or_set("deep_none", "other") is None
    mem.delete("deep_none")
    assert chain.get_many(["deep_none", "missing"]) == {"deep_none": None}


# -- get_many asks each level only for what is still missing -------------------------------


def test_get_many_asks_each_level_only_for_the_missing_keys() -> None:
    tag = uuid.uuid4().hex[:8]
    setting = chain_setting({"BACKEND": RECORDING, "LOCATION": f"deep-{tag}"})
    setting["mem"] = {"BACKEND": RECORDING, "LOCATION": f"mem-{tag}"}
    with override_settings(CACHES=setting):
        chain, deep_only = caches["chain"], caches["deep_only"]
        chain.set_many({"a": 1, "b": 2})
        deep_only.set("c", 3)
        mem_calls, deep_calls = calls[f"mem-{tag}"], calls[f"deep-{tag}"]
        mem_calls.clear()
        deep_calls.clear()
        k = chain.make_key

        assert chain.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2, "c": 3}
        assert [c for c in mem_calls if c[0] == "get_many"] == [
            ("get_many", [k("a"), k("b"), k("c"), k("d")])
        ]
        assert [c for c in deep_calls if c[0] == "get_many"] == [("get_many", [k("c"), k("d")])]
        assert ("set", (k("c"), 60)) in mem_calls  # filled for FILL_TIMEOUT (default 60 s)

        deep_calls.clear()
        assert chain.get_many(["a", "c", "d"]) == {"a": 1, "c": 3}
        assert deep_calls == [("get_many", [k("d")])]

        deep_calls.clear()
        assert chain.get_many(["a", "b"]) == {"a": 1, "b": 2}
        assert deep_calls == []  # all found above: the deep level is not asked at all


# -- aliases sharing levels -----------------------------------------------------------------


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_aliases_sharing_levels_see_each_others_writes(use_chain, kind: str) -> None:
    c = use_chain(kind)
    one, two = c["chain"], c["other"]
    assert one is not two
    one.set("k", 1)
    assert two.get("k") == 1
    two.set("k", 2)
    assert one.get("k") == 2
    assert one.incr("k") == 3 and two.get("k") == 3
    assert two.add("k", 99) is False and one.get("k") == 3
    two.delete("k")
    assert one.get("k") is None
    one.set_many({"x": 1, "y": 2})
    assert two.get_many(["x", "y"]) == {"x": 1, "y": 2}
    two.clear()
    assert one.get_many(["x", "y"]) == {}


# -- async methods -------------------------------------------------------------------------


def test_async_methods(use_chain) -> None:
    c = use_chain("locmem")
    chain = c["chain"]

    async def scenario() -> None:
        await chain.aset("a", 1)
        assert await chain.aget("a") == 1
        assert await chain.aadd("a", 2) is False
        assert await chain.aadd("b", None) is True
        assert await chain.aget("b", "default") is None
        assert await chain.ahas_key("b") is True
        assert await chain.aincr("a", 5) == 6
        assert await chain.adecr("a") == 5
        assert await chain.aset_many({"c": 3, "d": 4}) == []
        assert await chain.aget_many(["a", "c", "d", "z"]) == {"a": 5, "c": 3, "d": 4}
        assert await chain.atouch("c", 10) is True
        assert await chain.aget_or_set("e", lambda: "made") == "made"
        assert await chain.aincr_version("e") == 2
        assert await chain.aget("e", version=2) == "made"
        assert await chain.adecr_version("e", version=2) == 1
        assert await chain.adelete("a") is True
        await chain.adelete_many(["c", "d"])
        assert await chain.aget_many(["a", "c", "d"]) == {}
        await chain.aclear()
        assert await chain.aget("b", "gone") == "gone"
        await chain.aclose()

    asyncio.run(scenario())
    assert c["mem_only"].get("e") is None


# -- a deep level that fails ------------------------------------------------------------------


def test_redis_outage(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = rs.start_or_fail(tmp_path / "redis")
    try:
        tag = uuid.uuid4().hex[:8]
        redis_level = {"BACKEND": REDIS, "LOCATION": server.url}
        setting = chain_setting(redis_level, IGNORE_LEVEL_ERRORS=True)
        setting["strict"] = {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["mem", "deep"]}}
        setting["mem"]["LOCATION"] = f"outage-mem-{tag}"
        with override_settings(CACHES=setting):
            tolerant, strict = caches["chain"], caches["strict"]
            tolerant.set("in-memory", "still here")
            caches["deep_only"].set("only-in-redis", "lost")
            server.stop()

            with caplog.at_level(logging.WARNING, logger="django_s3_static.cache"):
                assert tolerant.get("in-memory") == "still here"
                assert not caplog.records
                assert tolerant.get("only-in-redis", "default") == "default"
                assert tolerant.get_many(["in-memory", "only-in-redis"]) == {
                    "in-memory": "still here"
                }
                assert tolerant.has_key("only-in-redis") is False
            messages = [r.getMessage() for r in caplog.records]
            assert len(messages) == 3 and all("'deep'" in m for m in messages), messages
            assert "ConnectionError" in messages[0]

            import redis

            with pytest.raises(redis.ConnectionError):
                strict.get("only-in-redis")
            assert strict.get("in-memory") == "still here"  # the top level still answers
            with pytest.raises(redis.ConnectionError):
                tolerant.set("in-memory", "new")  # writes always raise ...
            assert caches["mem_only"].get("in-memory") is None  # ... and drop the old copy
    finally:
        server.stop()


def test_a_missing_redis_binary_fails_with_a_clear_message(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(rs.shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="redis-server not found.*apt-get install"):
        rs.start_or_fail(tmp_path)


def test_failing_top_level_is_skipped_when_errors_are_ignored(use_chain, caplog) -> None:
    c = use_chain("locmem", IGNORE_LEVEL_ERRORS=True)
    chain = c["chain"]
    chain.set("k", "v")
    with (
        pytest.MonkeyPatch.context() as patch,
        caplog.at_level(logging.WARNING, logger="django_s3_static.cache"),
    ):
        top = chain._levels[0].backend

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OSError("memory level broken")

        patch.setattr(top, "get", broken)
        patch.setattr(top, "set", broken)
        assert chain.get("k") == "v"  # from the deep level; the fill skips the broken level
    assert len(caplog.records) == 1 and "'mem'" in caplog.records[0].getMessage()


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


# -- configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({}, ImproperlyConfigured),
        ({"CACHES": []}, ImproperlyConfigured),
        ({"CACHES": "mem"}, ImproperlyConfigured),
        ({"CACHES": ["mem", "mem"]}, ImproperlyConfigured),
        ({"CACHES": ["nope"]}, InvalidCacheBackendError),
        ({"CACHES": ["chain"]}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "MAX_ENTRIES": 3}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "MAX_MEMORY_TIMEOUT": -1}, ImproperlyConfigured),
        ({"CACHES": ["mem"], "FILL_TIMEOUT": None}, ImproperlyConfigured),
    ],
)
def test_configuration_errors(options: dict[str, Any], error: type[Exception]) -> None:
    setting = {
        "default": {"BACKEND": LOCMEM},
        "mem": {"BACKEND": LOCMEM},
        "chain": {"BACKEND": CHAIN, "OPTIONS": {"CACHES": ["mem"]}},
        "bad": {"BACKEND": CHAIN, "OPTIONS": options},
    }
    with override_settings(CACHES=setting), pytest.raises(error):
        caches["bad"]


def test_is_a_plain_django_backend(use_chain) -> None:
    c = use_chain("locmem")
    assert isinstance(c["chain"], ChainedCache) and isinstance(c["chain"], BaseCache)
