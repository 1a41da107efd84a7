"""A cache level whose data is the static cache in the slug: original name → hashed name.

Read on the first lookup, from the dyno's form of the static cache the build wrote beside it
(``format.dyno_form``), or from the static cache itself where there is none; once per process
(every thread's instance, and the chain's own, share it), and never expired, since the slug
cannot change while it runs. Writes touch only this process's table, never the file. Keys use the
level's own KEY_PREFIX, VERSION and KEY_FUNCTION, which the snippet sets to the chain's.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache, default_key_func
from django.core.exceptions import ImproperlyConfigured

from ..format import dyno_form, location, static_cache

logger = logging.getLogger("django_s3_static")
_MISSING = object()
_DELETED = object()


class Written:
    """A read-only table (the dyno's form) with this process's writes over it: the operations
    of a dict the level uses."""

    __slots__ = ("_base", "_cleared", "_written")

    def __init__(self, base: dyno_form.SortedLines) -> None:
        self._base = base
        self._written: dict[str, Any] = {}
        self._cleared = False

    def get(self, key: str, default: Any = None) -> Any:
        found = self._written.get(key, _MISSING)
        if found is _MISSING:
            return default if self._cleared else self._base.get(key, default)
        return default if found is _DELETED else found

    def __contains__(self, key: str) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __setitem__(self, key: str, value: Any) -> None:
        self._written[key] = value

    def setdefault(self, key: str, value: Any) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            self._written[key] = found = value
        return found

    def pop(self, key: str, default: Any = None) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            return default
        self._written[key] = _DELETED
        return found

    def clear(self) -> None:
        self._written.clear()
        self._cleared = True

    def items(self):
        """The entries as they are now (a level with its own KEY_FUNCTION keys them all)."""
        if not self._cleared:
            yield from ((k, v) for k, v in self._base.items() if k not in self._written)
        yield from ((k, v) for k, v in self._written.items() if v is not _DELETED)


class SlugTable:
    """One static cache as this process reads it: the names, where they were published, and
    the integrity digests, read when first asked for."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._digests: dict[str, str] | dyno_form.SortedLines | None = None
        self._form: dyno_form.Names | None = None
        #: Keys of another version or prefix than the names', set in this process.
        self.other: dict[str, Any] = {}
        #: The names by key, for a level with its own KEY_FUNCTION, by its key options.
        self.made: dict[tuple, dict[str, Any]] = {}
        try:
            self._form = dyno_form.read_names(path)
        except dyno_form.FormError as exc:
            _passed_over(path, exc)
        if self._form is not None:
            self.names: dict[str, Any] | Written = Written(self._form.paths)
            self.published: location.Location = self._form.published
        else:
            self._from_static_cache()

    def _from_static_cache(self) -> None:
        try:
            cache = static_cache.load(self.path)
        except static_cache.CacheError as exc:
            raise ImproperlyConfigured(
                f"django-s3-static: the static cache {self.path} cannot be used: {exc}. "
                "Run 'python manage.py check' for details."
            ) from None
        self.names, self.published = cache.paths, location.recorded(cache)
        self._digests = {
            name: obj.integrity for name, obj in cache.objects.items() if obj.integrity
        }

    def integrity(self, name: str) -> str | None:
        """The integrity digest the static cache records for the object ``name``, if any."""
        digests = self._digests
        if digests is None:
            with self._lock:
                if self._digests is None:
                    self._digests = self._read_digests()
                digests = self._digests
        return digests.get(name)

    def _read_digests(self) -> dict[str, str] | dyno_form.SortedLines:
        form = self._form
        if form is None or not form.digests:
            return {}
        try:
            return dyno_form.read_digests(self.path, form)
        except dyno_form.FormError as exc:
            _passed_over(self.path, exc)
        try:
            cache = static_cache.load(self.path)
        except static_cache.CacheError:
            return {}  # the names came from the form: render no digest rather than fail
        return {name: obj.integrity for name, obj in cache.objects.items() if obj.integrity}


def _passed_over(path: str, problem: Exception) -> None:
    logger.warning(
        "django-s3-static: the dyno's form of the static cache beside %s is not used: %s. "
        "Pages read the static cache itself, which takes longer; deploy again to rewrite it.",
        path,
        problem,
    )


#: Each static cache's table, with the file's identity when it was read.
_tables: dict[str, tuple[tuple | None, SlugTable]] = {}
_tables_lock = threading.Lock()


def table(path: str) -> SlugTable:
    """The process's table for the static cache at ``path``: read once in a slug, which never
    changes; again for a backend made after the file changed (a developer's process that
    published again), as each backend read it before the table was shared."""
    identity = _identity(path)
    found = _tables.get(path)
    if found is None or found[0] != identity:
        with _tables_lock:
            found = _tables.get(path)
            if found is None or found[0] != identity:
                found = _tables[path] = (identity, SlugTable(path))
    return found[1]


def _identity(path: str) -> tuple | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


class SlugManifestCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.path = location
        self._table: SlugTable | None = None
        self._entries_found: dict[str, Any] | None = None
        #: What Django's default key function puts before a name: keys are looked up in the
        #: table of names without making a key per name.
        self._prefix = (
            f"{self.key_prefix}:{self.version}:" if self.key_func is default_key_func else None
        )

    def _slug_table(self) -> SlugTable:
        found = self._table
        if found is None:
            found = self._table = table(self.path)
        return found

    def _entries(self) -> dict[str, Any]:
        """The names by key: the table itself under the default key function."""
        entries = self._entries_found
        if entries is None:
            shared = self._slug_table()
            entries = shared.names
            if self._prefix is None:
                options = (self.key_func, self.key_prefix, self.version)
                with _tables_lock:
                    if options not in shared.made:
                        make_key = BaseCache.make_key  # the level's own, under a raw-key chain
                        shared.made[options] = {make_key(self, n): h for n, h in entries.items()}
                entries = shared.made[options]
            self._entries_found = entries
        return entries

    def _where(self, key, version) -> tuple[dict[str, Any], str]:
        """The table that holds ``key`` and its key there."""
        made = self.make_and_validate_key(key, version)
        entries, prefix = self._entries(), self._prefix
        if prefix is None:
            return entries, made
        if made.startswith(prefix):
            return entries, made[len(prefix) :]
        return self._slug_table().other, made

    def published_location(self) -> location.Location | None:
        """Where the build published the objects this cache names (read with the names)."""
        return self._slug_table().published

    def integrity(self, name: str) -> str | None:
        """The integrity digest the static cache records for the object ``name``, if any."""
        return self._slug_table().integrity(name)

    def get(self, key, default=None, version=None):
        entries, found = self._where(key, version)
        return entries.get(found, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        entries, found = self._where(key, version)
        entries[found] = value

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        entries, found = self._where(key, version)
        return entries.setdefault(found, value) is value

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        entries, found = self._where(key, version)
        return found in entries

    def delete(self, key, version=None):
        entries, found = self._where(key, version)
        return entries.pop(found, None) is not None

    def has_key(self, key, version=None):
        entries, found = self._where(key, version)
        return found in entries

    def clear(self):
        self._entries().clear()
        self._slug_table().other.clear()
