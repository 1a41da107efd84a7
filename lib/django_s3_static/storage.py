"""The dyno's static storage: ``{% static %}`` becomes a hashed S3/CDN URL, with no network call.

It is Django's own ``ManifestStaticFilesStorage`` with two differences: the manifest is the static
cache in the slug (written or verified by the build), and the base URL is the bucket's public URL
(or the custom domain). URL resolution is therefore exactly Django's, as fast and as strict.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ImproperlyConfigured

from . import static_cache
from .config import Config, runtime_cache_file, runtime_values
from .errors import BuildError


def public_base_url() -> str:
    """The bucket's public URL from the app's settings or config vars, as the build computed it."""
    try:
        return Config.from_values(runtime_values(settings, os.environ)).public_base_url
    except BuildError as exc:
        raise ImproperlyConfigured(f"django-s3-static: {exc.title}") from None


class S3ManifestStorage(ManifestStaticFilesStorage):
    """Resolve names through the slug's static cache; render them under the bucket's URL."""

    def __init__(self, location=None, base_url=None, cache_file=None, *args, **kwargs):
        self.cache_file = cache_file or runtime_cache_file(runtime_values(settings, os.environ))
        super().__init__(location, base_url or public_base_url(), *args, **kwargs)

    def load_manifest(self):
        try:
            cache = static_cache.load(self.cache_file)
        except static_cache.CacheError as exc:
            if not os.path.exists(self.cache_file):
                return {}, ""  # every lookup then fails as Django's does; the check explains
            raise ImproperlyConfigured(
                f"django-s3-static: the static cache {self.cache_file} cannot be used: {exc}"
            ) from None
        return cache.paths, cache.fingerprint

    def save_manifest(self):
        raise ImproperlyConfigured(
            "django-s3-static: static files are collected and published by the build "
            "(or 'manage.py publish_static'), not by collectstatic on the dyno."
        )
