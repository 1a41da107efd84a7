"""System checks: a misconfigured dyno says what is wrong at start-up instead of a broken page."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

from .config import Config, problem, runtime_values, shown_default
from .errors import S3StaticError
from .format import dyno_form, location, static_cache
from .settings_table import BUILD, COMMANDS, DYNO, SETTINGS
from .snippet import CACHE_ALIAS, SLUG_ALIAS, STORAGE_BACKEND
from .storage import serving

#: Who fails on a bad value the dyno ignores, for W003.
READERS = {
    BUILD: "the next build",
    COMMANDS: "the static commands (promote_static, verify_static, prune_static)",
}


@register("staticfiles")
def check_static_storage(app_configs=None, **kwargs):
    if settings.STORAGES.get("staticfiles", {}).get("BACKEND") != STORAGE_BACKEND:
        return []
    problems = []
    config = None
    values = runtime_values(settings, os.environ)
    try:
        config = Config.from_values(values, where=DYNO)
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
    problems += setting_warnings(values)
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
        problems += form_errors(slug_level["LOCATION"])
    return problems


def form_errors(cache_file: str) -> list[Error]:
    """The dyno's form beside the static cache, when it is not of it: pages would link to names
    the build did not verify with this cache (the dyno compares sizes only)."""
    unfit = dyno_form.belongs(cache_file)
    if unfit is None:
        return []
    folder = os.path.dirname(cache_file)
    return [
        Error(
            f"django-s3-static: the dyno's form of the static cache in {folder} "
            f"({dyno_form.NAMES_FILE}) is not of {os.path.basename(cache_file)}: {unfit}.",
            hint="Deploy again: the build writes it from the static cache it verified. Or "
            f"delete {dyno_form.NAMES_FILE} and {dyno_form.DIGESTS_FILE} there, and pages read "
            "the static cache itself.",
            id="django_s3_static.E005",
        )
    ]


def setting_warnings(values: dict[str, str]) -> list[CheckWarning]:
    """A bad value the dyno passes over, named so it is fixed before it matters: one the dyno
    reads means its default here (W002); one it ignores fails where it is read (W003)."""
    warnings = []
    for attribute, setting in SETTINGS.items():
        found = problem(values, attribute)
        if not found:
            continue
        if DYNO in setting.where:
            what, check = f"The default ({shown_default(setting)}) applies.", "W002"
        else:
            readers = [READERS[where] for where in setting.where]
            fail = "fail" if len(readers) > 1 else "fails"
            what, check = f"The dyno ignores it, but {' and '.join(readers)} {fail} on it.", "W003"
        warnings.append(
            CheckWarning(
                f"django-s3-static: {found[0]} {what}",
                hint=" ".join(found[1:]),
                id=f"django_s3_static.{check}",
            )
        )
    return warnings
