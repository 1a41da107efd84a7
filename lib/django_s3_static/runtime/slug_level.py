"""A cache level whose data is the static cache in the slug: original name → hashed name.

Read on the first lookup; never expires, since the slug cannot change while it runs. Writes touch
only this process's table, never the file. Keys use the level's own KEY_PREFIX, VERSION and
KEY_FUNCTION, which the snippet sets to the chain's.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ImproperlyConfigured

from ..format import location, static_cache


class SlugManifestCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = location
        self._table: dict[str, Any] | None = None
        self._published: location.Location | None = None
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def _entries(self) -> dict[str, Any]:
        table = self._table
        if table is None:
            with self._lock:
                if self._table is None:
                    self._table = self._load()
                table = self._table
        return table

    def _load(self) -> dict[str, Any]:
        try:
            cache = static_cache.load(self.path)
        except static_cache.CacheError as exc:
            raise ImproperlyConfigured(
                f"django-s3-static: the static cache {self.path} cannot be used: {exc}. "
                "Run 'python manage.py check' for details."
            ) from None
        self._published = location.recorded(cache)
        self._digests = {
            name: obj.integrity for name, obj in cache.objects.items() if obj.integrity
        }
        make_key = BaseCache.make_key  # the level's own key function, even under a raw-key chain
        return {make_key(self, name): hashed for name, hashed in cache.paths.items()}

    def published_location(self) -> location.Location | None:
        """Where the build published the objects this cache names (read with the names)."""
        self._entries()
        return self._published

    def integrity(self, name: str) -> str | None:
        """The integrity digest the static cache records for the object ``name``, if any."""
        self._entries()
        return self._digests.get(name)

    def get(self, key, default=None, version=None):
        return self._entries().get(self.make_and_validate_key(key, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._entries()[self.make_and_validate_key(key, version)] = value

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._entries().setdefault(self.make_and_validate_key(key, version), value) is value

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.make_and_validate_key(key, version) in self._entries()

    def delete(self, key, version=None):
        return self._entries().pop(self.make_and_validate_key(key, version), None) is not None

    def has_key(self, key, version=None):
        return self.make_and_validate_key(key, version) in self._entries()

    def clear(self):
        self._entries().clear()
