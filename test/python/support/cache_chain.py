"""ChainedCache's settings for the tests, and small backends that record what they are asked.

Levels are inspected through one-level chains over a single level ("mem_only", "deep_only"): they
make keys exactly as the two-level chain does, so they see its entries.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

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

stores: dict[str, dict[str, tuple[Any, float | None]]] = {}
calls: dict[str, list[tuple[str, Any]]] = {}
failing_keys: dict[str, set[str]] = {}


class RecordingCache(BaseCache):
    """Dict-backed; records each call; cannot tell an entry's expiry (a "generic" level);
    ``set_many`` reports the keys listed in ``failing_keys[location]`` as failed."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.location = location
        self._store = stores.setdefault(location, {})
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
