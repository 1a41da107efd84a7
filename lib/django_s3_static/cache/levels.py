"""Adapters between the chain and each level's backend.

A fill must not outlive the entry it copies; Django's backends keep the expiry privately, each in
its own way, so one adapter per backend reads it there.
"""

from __future__ import annotations

import pickle
import sys
import time
import zlib
from collections.abc import Sequence
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache, InvalidCacheBackendError
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .markers import _GONE, _MISSING, _UNKNOWN, Expiry


class _RawKeyMixin:
    """Makes a backend take keys exactly as given: the chain made them once, with its own options.

    Each level is a private instance with this mixin (mutating the alias's shared one would change
    it for every user); it shares the alias's data, which Django's backends key on LOCATION.
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
    """One level of a chain: a raw-key backend; the generic level cannot tell an entry's expiry."""

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
    """FileBasedCache files start with the pickled expiry; ``fetch`` reads both from one file."""

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
    """Reads the value and its PTTL in one MULTI/EXEC round trip (timed from before: errs short)."""

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


def _make_level(alias: str, chain_class: type[BaseCache]) -> _Level:
    """A level for ``alias``; ``chain_class`` is passed in: the chain module imports this one."""
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
    if issubclass(backend_cls, chain_class):
        raise ImproperlyConfigured(f"ChainedCache level {alias!r} cannot itself be a chain")
    backend = _raw_key_class(backend_cls)(location, params)
    if _is(backend, "locmem", "LocMemCache"):
        return _LocMemLevel(alias, backend)
    if _is(backend, "filebased", "FileBasedCache"):
        return _FileLevel(alias, backend)
    client = getattr(backend, "_cache", None) if _is(backend, "redis", "RedisCache") else None
    if hasattr(client, "get_client") and hasattr(client, "_serializer"):
        return _RedisLevel(alias, backend)
    return _Level(alias, backend)


def _is(backend: BaseCache, module: str, name: str) -> bool:
    """Whether ``backend`` is one of Django's backend ``name``: only if its module is imported,
    so a chain imports none of those it does not use."""
    found = sys.modules.get(f"django.core.cache.backends.{module}")
    return found is not None and isinstance(backend, getattr(found, name))
