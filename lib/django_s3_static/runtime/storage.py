"""The dyno's static storage: ``{% static %}`` becomes a hashed S3/CDN URL, with no network call.

It is Django's own ``ManifestStaticFilesStorage`` with two differences: hashed names come from the
``staticfiles`` cache (process memory in front of the static cache in the slug, see ``snippet``),
looked up name by name on first use rather than loaded at start-up; and the base URL is the
bucket's public URL (or the custom domain). Each answer is kept in the storage's own dictionary,
since a release's names never change, so a repeated lookup costs what Django's costs.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from ..config import Config, flag, runtime_values, storage_options_values
from ..errors import BuildError
from ..format import location
from .snippet import CACHE_ALIAS, SLUG_ALIAS

logger = logging.getLogger("django_s3_static")


def public_base_url(options: dict | None = None) -> str:
    """The bucket's public URL from the storage's django-storages ``OPTIONS``, the app's settings
    or config vars, in that order, as the build computed it; or, when the slug's objects were
    published elsewhere and the release phase does not copy them (``location.serving``), the URL
    of the place they are, with one error logged."""
    values = {**runtime_values(settings, os.environ), **storage_options_values(options or {})}
    try:
        config = Config.from_values(values)
    except BuildError as exc:
        raise ImproperlyConfigured(f"django-s3-static: {exc.title}") from None
    decision = serving(config, values)
    if decision.problem:
        logger.error("django-s3-static: %s", decision.problem)
    return location.public_config(config, decision.location).public_base_url


def serving(config: Config, values: dict[str, str]) -> location.Serving:
    """Which place the pages link to (shared with the system check)."""
    return location.serving(
        published_location(), location.configured(config), flag(values, "release_promotes")
    )


def published_location() -> location.Location | None:
    """Where the slug's static cache says the objects were published; None if unknown."""
    if SLUG_ALIAS not in settings.CACHES:
        return None
    level = caches[SLUG_ALIAS]
    return level.published_location() if hasattr(level, "published_location") else None


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
    """Resolve names through the ``staticfiles`` cache; render them under the bucket's URL."""

    def __init__(self, base_url=None, cache_alias=CACHE_ALIAS, **options):
        """``options``: django-storages' ``OPTIONS`` (``bucket_name``, ``location`` as the key
        prefix, ``custom_domain`` ...), so this storage takes the place of
        ``S3ManifestStaticStorage`` with the same settings; those about uploads are ignored."""
        self.cache_alias = cache_alias
        super().__init__(base_url=base_url or public_base_url(options))

    def load_manifest(self):
        return _ResolvedNames(self.cache_alias), ""

    def save_manifest(self):
        raise ImproperlyConfigured(
            "django-s3-static: static files are collected and published by the build "
            "(or 'manage.py publish_static'), not by collectstatic on the dyno."
        )
