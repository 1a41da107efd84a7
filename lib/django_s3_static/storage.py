"""The dyno's static storage: ``{% static %}`` becomes a hashed S3/CDN URL, with no network call.

Names are looked up one by one in the ``staticfiles`` cache and kept (a release's never change).
When not strict, a missing name renders the unhashed copy: Django's own non-strict mode would hash
the file from STATIC_ROOT, which a dyno lacks.
"""

from __future__ import annotations

import logging
import os
import threading
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from .config import Config, flag, parse, runtime_values, storage_options_values
from .errors import S3StaticError
from .format import location
from .settings_table import DYNO, SETTINGS
from .snippet import CACHE_ALIAS, SLUG_ALIAS

logger = logging.getLogger("django_s3_static")
STRICT_SETTING = SETTINGS["manifest_strict"].name


def public_base_url(options: dict | None = None, values: dict[str, str] | None = None) -> str:
    """The bucket's public URL, or where the objects are if the release phase does not copy them.

    ``values``: the settings and config vars, when the caller has read them already."""
    if values is None:
        values = runtime_values(settings, os.environ)
    values = {**values, **storage_options_values(options or {})}
    try:
        config = Config.from_values(values, where=DYNO)
    except S3StaticError as exc:
        raise ImproperlyConfigured(f"django-s3-static: {exc.title}") from None
    decision = serving(config, values)
    if decision.problem:
        logger.error("django-s3-static: %s", decision.problem)
    return location.public_config(config, decision.location).public_base_url


def serving(
    config: Config, values: dict[str, str], published: location.Location | None = None
) -> location.Serving:
    """Which place the pages link to; the system check passes the place it has just read."""
    return location.serving(
        published or published_location(),
        location.configured(config),
        flag(values, "release_promotes"),
    )


def published_location() -> location.Location | None:
    """Where the slug's static cache says the objects were published; None if unknown."""
    if SLUG_ALIAS not in settings.CACHES:
        return None
    level = caches[SLUG_ALIAS]
    return level.published_location() if hasattr(level, "published_location") else None


def _cache_file() -> str:
    level = settings.CACHES.get(SLUG_ALIAS, {})
    return level.get("LOCATION", "not configured")


class _ResolvedNames(dict):
    """Django's ``hashed_files``, filled from the cache on a miss (Django only calls ``get``)."""

    def __init__(self, alias: str) -> None:
        super().__init__()
        self.alias = alias

    def get(self, name, default=None):
        hashed = dict.get(self, name)
        if hashed is None:
            hashed = caches[self.alias].get(name)
            if hashed is None:
                return default
            self[name] = hashed
        return hashed


class S3ManifestStorage(ManifestStaticFilesStorage):
    """Resolve names through the ``staticfiles`` cache; render them under the bucket's URL.

    No patterns: they rewrite references while collecting, which the build does with its own
    storage and a dyno never does (``save_manifest``); compiling them would cost every process's
    first page.
    """

    patterns = ()
    support_js_module_import_aggregation = False

    def __init__(self, base_url=None, cache_alias=CACHE_ALIAS, **options):
        """``options``: django-storages' ``OPTIONS``, as ``S3ManifestStaticStorage`` takes them."""
        self.cache_alias = cache_alias
        values = runtime_values(settings, os.environ)
        self.names_strict = parse(values, "manifest_strict", strict=False) == "on"
        self.integrity_on = parse(values, "integrity", strict=False) == "on"
        self._digests: dict[str, str | None] = {}
        self._missing: set[str] = set()
        self._missing_lock = threading.Lock()
        super().__init__(base_url=base_url or public_base_url(options, values))

    def stored_name(self, name):
        clean = urlsplit(unquote(name)).path.strip()
        if self.hashed_files.get(self.hash_key(clean)) is not None:
            return super().stored_name(name)
        if self.names_strict:
            raise ValueError(
                f"Missing staticfiles manifest entry for '{clean}': this release's static cache "
                f"({_cache_file()}) has no such file. Check the name in the template; if the "
                f"file is new, make sure a static folder holds it (python manage.py findstatic "
                f"{clean}) and deploy again. With {STRICT_SETTING}=0 the page links to the "
                "unhashed name instead of failing."
            )
        self._log_missing(clean)
        return name  # the unhashed copy, uploaded under its own name by every build

    def _log_missing(self, clean: str) -> None:
        with self._missing_lock:
            if clean in self._missing:
                return
            self._missing.add(clean)
        logger.error(
            "django-s3-static: '%s' is not in this release's static cache (%s); the page links "
            "to its unhashed URL %s. Fix the name in the template, or deploy the file.",
            clean,
            _cache_file(),
            self.base_url + clean,
        )

    def integrity(self, name: str) -> str | None:
        """The integrity digest of the hashed object ``url(name)`` links to, or None."""
        if not self.integrity_on or settings.DEBUG:
            return None
        clean = urlsplit(unquote(name)).path.strip()
        hashed = self.hashed_files.get(self.hash_key(clean))
        if hashed is None or hashed == clean:
            return None
        if hashed not in self._digests:
            level = caches[SLUG_ALIAS] if SLUG_ALIAS in settings.CACHES else None
            found = level.integrity(hashed) if hasattr(level, "integrity") else None
            self._digests[hashed] = found
        return self._digests[hashed]

    def load_manifest(self):
        return _ResolvedNames(self.cache_alias), ""

    def save_manifest(self):
        raise ImproperlyConfigured(
            "django-s3-static: static files are collected and published by the build "
            "(or 'manage.py publish_static'), not by collectstatic on the dyno."
        )
