"""System checks: a misconfigured dyno says what is wrong at start-up instead of a broken page."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, register

from . import static_cache
from .config import Config, runtime_cache_file, runtime_values
from .errors import BuildError
from .snippet import STORAGE_BACKEND


@register("staticfiles")
def check_static_storage(app_configs=None, **kwargs):
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND")
    if backend != STORAGE_BACKEND:
        return []
    values = runtime_values(settings, os.environ)
    problems = []
    try:
        Config.from_values(values)
    except BuildError as exc:
        problems.append(
            Error(
                f"django-s3-static cannot build static URLs: {exc.title}",
                hint=" ".join(exc.details) or None,
                id="django_s3_static.E001",
            )
        )
    cache_file = runtime_cache_file(values)
    try:
        static_cache.load(cache_file)
    except static_cache.CacheError as exc:
        problems.append(
            Error(
                f"django-s3-static: the static cache {cache_file} cannot be used: {exc}.",
                hint="Deploy through the buildpack, or run 'python manage.py publish_static' and "
                "set DJANGO_S3_STATIC_CACHE_PATH to the folder it writes.",
                id="django_s3_static.E002",
            )
        )
    return problems
