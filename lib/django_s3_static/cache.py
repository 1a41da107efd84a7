"""A multi-level ("chained") Django cache backend.

``ChainedCache`` puts a fast, per-process cache (usually ``LocMemCache``) in front of a shared
one (``FileBasedCache``, ``RedisCache``, ...). It is configured like any other cache and names
its levels by alias, top (fastest) first, deepest (the shared one) last::

    CACHES = {
        "staticfiles": {
            "BACKEND": "django_s3_static.cache.ChainedCache",
            "OPTIONS": {"CACHES": ["staticfiles-mem", "staticfiles-files"]},
        },
        "staticfiles-mem": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache", ...
        },
        "staticfiles-files": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", ...
        },
    }

It replaces the old (2012) two-level cache recipe, whose read path copied a value found in the
deep level into memory with a fresh default timeout, so an entry could live on in memory long
after it had expired or been replaced in the shared level. Here:

* A read takes the value from the first level that has it. A hit in a deeper level fills the
  levels above it for no longer than the deeper entry has left to live (the remaining lifetime
  is read from the level where the backend can tell it: ``LocMemCache``'s expiry table, the
  ``FileBasedCache`` file header, Redis ``PTTL``; other backends get ``FILL_TIMEOUT``). The
  fill's timeout is that remaining lifetime computed just before the fill is written, so it
  ends with the deeper entry, give or take the microseconds the level takes to stamp it.
* A write goes to every level, deepest first. ``add``, ``incr``, ``decr`` and ``touch`` are
  decided by the deepest level (the one every process shares) and then reflected upwards. A
  write that fails (or that the deepest level refuses, like ``incr`` of a key it no longer
  has) drops the key from the levels above, so none of them keeps a value the caller meant to
  replace.
* Thread-safe with no global lock: a top-level hit takes no lock of the chain's, writes of
  the same key are serialised by one of 64 striped locks, and a fill is dropped if a write of
  the key from this process came in between (see ``_Stripes``).
* Every write into a level that is not the deepest is capped at ``MAX_MEMORY_TIMEOUT``: another
  process's write or delete never reaches this process's memory, so this cap is the bound on
  how long a process can serve a value that the shared level no longer has.

Options (``OPTIONS``):

``CACHES``
    Required. Aliases of the levels, top first. A level may not itself be a ``ChainedCache``.
``MAX_MEMORY_TIMEOUT``
    Default 300 (seconds). Longest lifetime of any entry in a level that is not the deepest,
    hence the bound on cross-process staleness. ``None`` removes the cap; 0 keeps nothing
    above the deepest level.
``FILL_TIMEOUT``
    Default 60 (seconds). Lifetime of a fill copied from a level that cannot tell an entry's
    remaining lifetime (memcached, database or custom backends); also capped by
    ``MAX_MEMORY_TIMEOUT``. 0 disables fills from such levels.
``IGNORE_LEVEL_ERRORS``
    Default ``False``: an exception raised by a level propagates, as with Django's own
    backends. When ``True``, a level that raises while *reading* (``get``, ``get_many``,
    ``has_key`` and the fill that follows a deeper hit) is logged on the
    ``django_s3_static.cache`` logger and treated as a miss, so a Redis outage degrades to the
    levels that still work. Writes always raise: a write or delete that silently missed the
    shared level would leave every other process serving the value it meant to replace.

The chain's own ``TIMEOUT``, ``KEY_PREFIX``, ``VERSION`` and ``KEY_FUNCTION`` apply; those of
the level aliases do not (see ``_RawKeyMixin``). ``LOCATION`` is not used.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache, InvalidCacheBackendError
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = ["ChainedCache"]

logger = logging.getLogger(__name__)

_OPTIONS = frozenset({"CACHES", "MAX_MEMORY_TIMEOUT", "FILL_TIMEOUT", "IGNORE_LEVEL_ERRORS"})
DEFAULT_MAX_MEMORY_TIMEOUT = 300
DEFAULT_FILL_TIMEOUT = 60


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# Returned by a level for a key it does not hold. A cached None is a hit, so a level is always
# asked with this object as the default, never with None.
_MISSING: Any = _Sentinel("<missing>")
# "The level cannot tell when this entry expires": the fill gets FILL_TIMEOUT.
_UNKNOWN: Any = _Sentinel("<unknown expiry>")
# An expiry in the past: the entry vanished between the read and the expiry lookup; no fill.
_GONE = 0.0

# An entry's expiry as a level reports it: an absolute time.time() value, None for "never",
# or _UNKNOWN.
Expiry = Any


class _RawKeyMixin:
    """Makes a backend take keys exactly as given: no key function, no validation.

    The chain makes and validates each key once, with its own KEY_PREFIX, VERSION and
    KEY_FUNCTION, and then hands that key to every level. Django's backends have no raw-key
    API: each public method runs ``make_and_validate_key`` (or ``make_key``) first. Calling
    the alias's own instance would therefore store the entry under a key that depends on two
    configurations, warn about a bad key twice, and scan the key a second time on every read.
    Mutating that shared instance (``key_func = identity``) would change it for every other
    user of the alias. So the chain builds a private instance of each level's backend class
    with this mixin in front: every storage code path of the backend is untouched, only key
    making is identity. The private instance shares its data with the alias's instance
    because Django's backends key their storage on LOCATION (LocMemCache's name, the
    FileBasedCache directory, the Redis server).
    """

    def make_key(self, key: str, version: int | None = None) -> str:
        return key

    def validate_key(self, key: str) -> None:
        return None

    def make_and_validate_key(self, key: str, version: int | None = None) -> str:
        return key


_raw_classes: dict[type, type] = {}


def _raw_key_class(backend_cls: type[BaseCache]) -> type[BaseCache]:
    raw = _raw_classes.get(backend_cls)
    if raw is None:
        name = f"RawKey{backend_cls.__name__}"
        raw = type(name, (_RawKeyMixin, backend_cls), {"__module__": __name__})
        _raw_classes[backend_cls] = raw
    return raw


class _Level:
    """One level of a chain: a raw-key backend plus a way to learn an entry's expiry.

    The expiry of a hit is what keeps a fill from outliving the deeper entry. The generic
    level cannot tell it (``_UNKNOWN``); the subclasses below read it where the backend
    records it.
    """

    __slots__ = ("alias", "backend")

    def __init__(self, alias: str, backend: BaseCache) -> None:
        self.alias = alias
        self.backend = backend

    def expires_at(self, key: str) -> Expiry:
        return _UNKNOWN

    def fetch(self, key: str) -> tuple[Any, Expiry]:
        value = self.backend.get(key, _MISSING)
        if value is _MISSING:
            return _MISSING, None
        return value, self.expires_at(key)

    def fetch_many(self, keys: Sequence[str]) -> dict[str, tuple[Any, Expiry]]:
        found = self.backend.get_many(keys)
        return {key: (value, self.expires_at(key)) for key, value in found.items()}


class _LocMemLevel(_Level):
    """LocMemCache keeps each key's absolute expiry (or None) in ``_expire_info``."""

    __slots__ = ()

    def expires_at(self, key: str) -> Expiry:
        return self.backend._expire_info.get(key, _GONE)


class _FileLevel(_Level):
    """FileBasedCache files start with the pickled absolute expiry (or None).

    ``fetch`` reads the expiry and the value from one open file, as FileBasedCache.get
    does (and deletes an expired file as it does), so the pair is consistent: a file is
    replaced by rename, never rewritten in place by ``set``.
    """

    __slots__ = ()

    def expires_at(self, key: str) -> Expiry:
        try:
            with open(self.backend._key_to_file(key), "rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return _GONE
        except (EOFError, pickle.UnpicklingError):
            return _GONE

    def fetch(self, key: str) -> tuple[Any, Expiry]:
        backend = self.backend
        path = backend._key_to_file(key)
        try:
            with open(path, "rb") as f:
                try:
                    expiry = pickle.load(f)
                except EOFError:
                    expiry = _GONE  # an empty file counts as expired, as in Django
                if expiry is None or expiry >= time.time():
                    return pickle.loads(zlib.decompress(f.read())), expiry
        except FileNotFoundError:
            return _MISSING, None
        backend._delete(path)
        return _MISSING, None

    def fetch_many(self, keys: Sequence[str]) -> dict[str, tuple[Any, Expiry]]:
        found = {key: self.fetch(key) for key in keys}
        return {key: hit for key, hit in found.items() if hit[0] is not _MISSING}


class _RedisLevel(_Level):
    """Reads the value and its PTTL in one MULTI/EXEC round trip through Django's client.

    The pair is atomic, so the fill's lifetime is exactly what the entry has left (measured
    from before the request, which errs on the short side).
    """

    __slots__ = ()

    @staticmethod
    def _expiry(pttl: int, sent_at: float) -> Expiry:
        if pttl == -1:  # no expiry
            return None
        if pttl < 0:  # -2: no such key
            return _GONE
        return sent_at + pttl / 1000

    def expires_at(self, key: str) -> Expiry:
        sent_at = time.time()
        return self._expiry(self.backend._cache.get_client(key).pttl(key), sent_at)

    def fetch(self, key: str) -> tuple[Any, Expiry]:
        client = self.backend._cache
        pipe = client.get_client(key).pipeline(transaction=True)
        pipe.get(key)
        pipe.pttl(key)
        sent_at = time.time()
        raw, pttl = pipe.execute()
        if raw is None:
            return _MISSING, None
        return client._serializer.loads(raw), self._expiry(pttl, sent_at)

    def fetch_many(self, keys: Sequence[str]) -> dict[str, tuple[Any, Expiry]]:
        client = self.backend._cache
        pipe = client.get_client(None).pipeline(transaction=True)
        pipe.mget(keys)
        for key in keys:
            pipe.pttl(key)
        sent_at = time.time()
        raws, *pttls = pipe.execute()
        return {
            key: (client._serializer.loads(raw), self._expiry(pttl, sent_at))
            for key, raw, pttl in zip(keys, raws, pttls, strict=False)
            if raw is not None
        }


def _make_level(alias: str) -> _Level:
    from django.core.cache import caches

    try:
        params = dict(caches.settings[alias])
    except KeyError:
        raise InvalidCacheBackendError(
            f"ChainedCache level {alias!r} is not defined in settings.CACHES"
        ) from None
    backend_path = params.pop("BACKEND")
    location = params.pop("LOCATION", "")
    try:
        backend_cls = import_string(backend_path)
    except ImportError as e:
        raise InvalidCacheBackendError(f"Could not find backend {backend_path!r}: {e}") from e
    if issubclass(backend_cls, ChainedCache):
        raise ImproperlyConfigured(f"ChainedCache level {alias!r} cannot itself be a chain")
    backend = _raw_key_class(backend_cls)(location, params)
    if isinstance(backend, LocMemCache):
        return _LocMemLevel(alias, backend)
    if isinstance(backend, FileBasedCache):
        return _FileLevel(alias, backend)
    client = getattr(backend, "_cache", None) if isinstance(backend, RedisCache) else None
    if hasattr(client, "get_client") and hasattr(client, "_serializer"):
        return _RedisLevel(alias, backend)
    return _Level(alias, backend)


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


def _timeout_option(options: dict[str, Any], name: str, default: float | None) -> float | None:
    value = options.get(name, default)
    if value is None and name == "MAX_MEMORY_TIMEOUT":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ImproperlyConfigured(f"ChainedCache OPTIONS[{name!r}] must be a number >= 0")
    return value


def _async(name: str) -> Callable[..., Any]:
    """An ``a<name>`` method that runs the sync method in Django's usual thread.

    BaseCache composes some async methods from other async ones (``aincr`` is an
    ``aget`` plus an ``aset``, ``aset_many`` always returns ``[]``), which would bypass the
    chain's rules; running the sync method keeps one implementation of each.
    """

    async def method(self: ChainedCache, *args: Any, **kwargs: Any) -> Any:
        return await sync_to_async(getattr(self, name), thread_sensitive=True)(*args, **kwargs)

    method.__name__ = method.__qualname__ = f"a{name}"
    method.__doc__ = f"Async version of ``{name}()``."
    return method


class ChainedCache(BaseCache):
    """A Django cache backend made of other caches, read top-down and written through.

    See the module docstring for the configuration and the guarantees.
    """

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise ImproperlyConfigured(f"Unknown ChainedCache OPTIONS: {', '.join(unknown)}")
        aliases = options.get("CACHES")
        if (
            isinstance(aliases, str)
            or not isinstance(aliases, list | tuple)
            or not aliases
            or not all(isinstance(alias, str) for alias in aliases)
        ):
            raise ImproperlyConfigured(
                "ChainedCache OPTIONS['CACHES'] must be a non-empty list of cache aliases"
            )
        if len(set(aliases)) != len(aliases):
            raise ImproperlyConfigured("ChainedCache OPTIONS['CACHES'] lists an alias twice")
        self._max_memory_timeout = _timeout_option(
            options, "MAX_MEMORY_TIMEOUT", DEFAULT_MAX_MEMORY_TIMEOUT
        )
        self._fill_timeout = _timeout_option(options, "FILL_TIMEOUT", DEFAULT_FILL_TIMEOUT)
        self._ignore_level_errors = bool(options.get("IGNORE_LEVEL_ERRORS", False))
        self._levels: tuple[_Level, ...] = tuple(_make_level(alias) for alias in aliases)
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
        """Best-effort removal from the upper levels after a failed or refused write.

        Called while an exception may be propagating, so it never raises itself: a copy it
        fails to remove is still bounded by MAX_MEMORY_TIMEOUT.
        """
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
        """Return the keys that any level failed to store (they are dropped from the
        levels above the one that failed, so no level keeps an older value for them)."""
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
        """Decided (atomically where the backend is) by the deepest level, then copied up
        with the deep entry's remaining lifetime. A key missing there raises ValueError and
        is dropped from the upper levels, even if one of them still had a copy."""
        key = self.make_and_validate_key(key, version=version)
        with self._writing([key]):
            value = self._deep.backend.incr(key, delta)
            if self._upper:
                self._reflect(key, value, self._deep.expires_at(key))
        return value

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        """Decided by the deepest level; upper copies get the new (capped) timeout, or are
        dropped when the deepest level no longer has the key."""
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
