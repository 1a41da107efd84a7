"""System checks: a misconfigured dyno says what is wrong at start-up instead of a broken page."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from .config import CHOICES, Config, choice_problem, runtime_values
from .errors import S3StaticError
from .format import location, static_cache
from .snippet import CACHE_ALIAS, SLUG_ALIAS, STORAGE_BACKEND
from .storage import serving


@register("staticfiles")
def check_static_storage(app_configs=None, **kwargs):
    if settings.STORAGES.get("staticfiles", {}).get("BACKEND") != STORAGE_BACKEND:
        return []
    problems = []
    config = None
    values = runtime_values(settings, os.environ)
    try:
        config = Config.from_values(values)
    except S3StaticError as exc:
        problems.append(
            Error(
                f"django-s3-static cannot build static URLs: {exc.title}",
                hint=" ".join(exc.details) or None,
                id="django_s3_static.E001",
            )
        )
    else:
        unreadable = config.public_url_problem()
        if unreadable:
            problems.append(
                Error(
                    f"django-s3-static renders static URLs browsers cannot load: {unreadable}.",
                    id="django_s3_static.E004",
                )
            )
    for attribute in ("manifest_strict", "integrity", "pipeline_integrity"):
        problem = choice_problem(values, attribute)
        if problem:
            problems.append(
                CheckWarning(
                    f"django-s3-static: {problem[0]} The default ({CHOICES[attribute][2]}) "
                    "applies.",
                    hint=problem[1],
                    id="django_s3_static.W002",
                )
            )
    slug_level = settings.CACHES.get(SLUG_ALIAS, {})
    if CACHE_ALIAS not in settings.CACHES or "LOCATION" not in slug_level:
        problems.append(
            Error(
                f"django-s3-static: CACHES has no {CACHE_ALIAS!r} chain with a {SLUG_ALIAS!r} "
                "level, which the static storage resolves names through.",
                hint="Add 'from django_s3_static.snippet import install; install(globals())' at "
                "the end of the settings module, after CACHES is defined.",
                id="django_s3_static.E003",
            )
        )
        return problems
    try:
        cache = static_cache.load(slug_level["LOCATION"])
    except static_cache.CacheError as exc:
        problems.append(
            Error(
                f"django-s3-static: the static cache {slug_level['LOCATION']} cannot be used: "
                f"{exc}.",
                hint="Deploy through the buildpack, or run 'python manage.py publish_static' and "
                "set DJANGO_S3_STATIC_CACHE_PATH to the folder it writes.",
                id="django_s3_static.E002",
            )
        )
    else:
        published = location.recorded(cache)
        decision = serving(config, values, published) if config is not None else None
        if decision is not None and decision.problem:
            problems.append(CheckWarning(decision.problem, id="django_s3_static.W001"))
    return problems
