"""``ChainedCache``: the read and write rules over its levels (see the package docstring)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from .levels import _Level, _make_level
from .locks import _stripes
from .markers import _MISSING, _UNKNOWN, Expiry
from .options import _parse_options

__all__ = ["ChainedCache"]

# Named for the package, not this module: the README and the IGNORE_LEVEL_ERRORS docs give
# this name.
logger = logging.getLogger("django_s3_static.cache")


def _async(name: str) -> Callable[..., Any]:
    """An ``a<name>`` running the sync method: BaseCache's async compositions bypass the chain."""

    async def method(self: ChainedCache, *args: Any, **kwargs: Any) -> Any:
        return await sync_to_async(getattr(self, name), thread_sensitive=True)(*args, **kwargs)

    method.__name__ = method.__qualname__ = f"a{name}"
    method.__doc__ = f"Async version of ``{name}()``."
    return method


class ChainedCache(BaseCache):
    """A Django cache backend made of other caches, read top-down and written through."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = _parse_options(params)
        self._max_memory_timeout = options.max_memory_timeout
        self._fill_timeout = options.fill_timeout
        self._ignore_level_errors = options.ignore_level_errors
        self._levels: tuple[_Level, ...] = tuple(
            _make_level(alias, ChainedCache) for alias in options.aliases
        )
        self._top = self._levels[0].backend
        self._deep = self._levels[-1]
        self._upper = self._levels[:-1]

    # -- helpers -------------------------------------------------------------------------

    def _timeouts(self, timeout: Any) -> tuple[float | None, float | None]:
        """The timeout for the deepest level and the (capped) one for the levels above."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return timeout, self._cap(timeout)

    def _cap(self, timeout: float | None) -> float | None:
        cap = self._max_memory_timeout
        if cap is None:
            return timeout
        return cap if timeout is None else min(timeout, cap)

    def _fill_lifetime(self, expiry: Expiry) -> float | None:
        if expiry is _UNKNOWN:
            return self._cap(self._fill_timeout)
        if expiry is None:
            return self._cap(None)
        return self._cap(expiry - time.time())

    def _level_failed(self, level: _Level, operation: str, exc: Exception) -> None:
        logger.warning(
            "ChainedCache level %r failed on %s (%s: %s); skipping it",
            level.alias,
            operation,
            type(exc).__name__,
            exc,
        )

    def _fill(
        self,
        key: str,
        value: Any,
        expiry: Expiry,
        depth: int,
        skip: set[int] | None,
        generation: int,
    ) -> None:
        """Copy a hit from ``depth`` into the levels above it, never outliving it."""
        timeout = self._fill_lifetime(expiry)
        if timeout is not None and timeout <= 0:
            return
        lock = _stripes.claim_for_fill(key, generation)
        if lock is None:
            return
        try:
            for i in range(depth):
                if skip and i in skip:
                    continue
                try:
                    self._levels[i].backend.set(key, value, timeout)
                except Exception as exc:
                    if not self._ignore_level_errors:
                        raise
                    self._level_failed(self._levels[i], "fill", exc)
        finally:
            lock.release()

    def _reflect(self, key: str, value: Any, expiry: Expiry) -> None:
        """After the deepest level decided (incr), copy its result to the upper levels."""
        timeout = self._fill_lifetime(expiry)
        if timeout is not None and timeout <= 0:
            self._discard_upper([key])
            return
        for level in self._upper:
            level.backend.set(key, value, timeout)

    def _discard_upper(self, keys: list[str]) -> None:
        """Best-effort removal from the upper levels; never raises (copies are capped anyway)."""
        for level in self._upper:
            try:
                level.backend.delete_many(keys)
            except Exception:
                logger.exception("ChainedCache could not discard keys from %r", level.alias)

    @contextmanager
    def _writing(self, keys: list[str] | None) -> Iterator[None]:
        """Serialise a write and drop the upper copies of ``keys`` if it fails midway."""
        with _stripes.writing(keys):
            try:
                yield
            except BaseException:
                if keys is not None:
                    self._discard_upper(keys)
                raise

    # -- reads ---------------------------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        try:
            value = self._top.get(key, _MISSING)
        except Exception as exc:
            if not self._ignore_level_errors:
                raise
            self._level_failed(self._levels[0], "get", exc)
            return self._get_below(key, default, {0})
        if value is _MISSING:
            return self._get_below(key, default, None)
        return value

    def _get_below(self, key: str, default: Any, skip: set[int] | None) -> Any:
        """The read path after a miss (or failure) of the top level."""
        generation = _stripes.generation(key)
        for depth in range(1, len(self._levels)):
            level = self._levels[depth]
            try:
                value, expiry = level.fetch(key)
            except Exception as exc:
                if not self._ignore_level_errors:
                    raise
                self._level_failed(level, "get", exc)
                skip = {depth} if skip is None else skip | {depth}
                continue
            if value is not _MISSING:
                self._fill(key, value, expiry, depth, skip, generation)
                return value
        return default

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        """Ask each level only for the keys that the levels above it did not have."""
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found: dict[str, Any] = {}
        missing = list(key_map)
        skip: set[int] = set()
        generations: dict[str, int] = {}
        for depth, level in enumerate(self._levels):
            if not missing:
                break
            if depth == 1:
                generations = {key: _stripes.generation(key) for key in missing}
            try:
                if depth == 0:
                    hits = {k: (v, None) for k, v in level.backend.get_many(missing).items()}
                else:
                    hits = level.fetch_many(missing)
            except Exception as exc:
                if not self._ignore_level_errors:
                    raise
                self._level_failed(level, "get_many", exc)
                skip.add(depth)
                continue
            for key, (value, expiry) in hits.items():
                found[key] = value
                if depth:
                    self._fill(key, value, expiry, depth, skip, generations[key])
            missing = [key for key in missing if key not in hits]
        return {original: found[key] for key, original in key_map.items() if key in found}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        """True if any level has the key; unlike get() it copies nothing upwards."""
        key = self.make_and_validate_key(key, version=version)
        for level in self._levels:
            try:
                if level.backend.has_key(key):
                    return True
            except Exception as exc:
                if not self._ignore_level_errors:
                    raise
                self._level_failed(level, "has_key", exc)
        return False

    # -- writes: every level, deepest first ----------------------------------------------

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        deep_timeout, upper_timeout = self._timeouts(timeout)
        with self._writing([key]):
            self._deep.backend.set(key, value, deep_timeout)
            for level in reversed(self._upper):
                level.backend.set(key, value, upper_timeout)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        """The keys any level failed to store, dropped from the levels above the one that failed."""
        if not data:
            return []
        key_map = {self.make_and_validate_key(key, version=version): key for key in data}
        values = {key: data[original] for key, original in key_map.items()}
        deep_timeout, upper_timeout = self._timeouts(timeout)
        failed: set[str] = set()
        with self._writing(list(values)):
            for level in reversed(self._levels):
                pending = {k: v for k, v in values.items() if k not in failed}
                if not pending:
                    break
                level_timeout = deep_timeout if level is self._deep else upper_timeout
                failed.update(level.backend.set_many(pending, level_timeout) or ())
            if failed:
                self._discard_upper(sorted(failed))
        return [original for key, original in key_map.items() if key in failed]

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Decided by the deepest level, the one every process shares."""
        key = self.make_and_validate_key(key, version=version)
        deep_timeout, upper_timeout = self._timeouts(timeout)
        with self._writing([key]):
            added = bool(self._deep.backend.add(key, value, deep_timeout))
            if added:
                for level in reversed(self._upper):
                    level.backend.set(key, value, upper_timeout)
        return added

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Decided by the deepest level and copied up; a key missing there is dropped above."""
        key = self.make_and_validate_key(key, version=version)
        with self._writing([key]):
            value = self._deep.backend.incr(key, delta)
            if self._upper:
                self._reflect(key, value, self._deep.expires_at(key))
        return value

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        """Decided by the deepest level; upper copies get the new timeout, or go with the key."""
        key = self.make_and_validate_key(key, version=version)
        deep_timeout, upper_timeout = self._timeouts(timeout)
        with self._writing([key]):
            touched = bool(self._deep.backend.touch(key, deep_timeout))
            for level in reversed(self._upper):
                if touched:
                    level.backend.touch(key, upper_timeout)
                else:
                    level.backend.delete(key)
        return touched

    def delete(self, key: Any, version: int | None = None) -> bool:
        """True if any level held the key (get() could have returned it)."""
        key = self.make_and_validate_key(key, version=version)
        deleted = False
        with self._writing([key]):
            for level in reversed(self._levels):
                deleted = bool(level.backend.delete(key)) or deleted
        return deleted

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        if not made:
            return
        with self._writing(made):
            for level in reversed(self._levels):
                level.backend.delete_many(made)

    def clear(self) -> None:
        """Clear every level (all of it, including entries other aliases put there)."""
        with self._writing(None):
            for level in reversed(self._levels):
                level.backend.clear()

    def close(self, **kwargs: Any) -> None:
        for level in self._levels:
            level.backend.close(**kwargs)

    aadd = _async("add")
    aget = _async("get")
    aset = _async("set")
    atouch = _async("touch")
    adelete = _async("delete")
    aget_many = _async("get_many")
    aget_or_set = _async("get_or_set")
    ahas_key = _async("has_key")
    aincr = _async("incr")
    adecr = _async("decr")
    aset_many = _async("set_many")
    adelete_many = _async("delete_many")
    aclear = _async("clear")
    aincr_version = _async("incr_version")
    adecr_version = _async("decr_version")
    aclose = _async("close")
