"""The settings snippet: point an app's static storage at the slug's static cache and the bucket.

``install(globals())`` at the end of a settings module is the explicit, one-line way; on a dyno
the buildpack does the same without touching the app's code, to whichever settings module each
process imports (see ``settings_hook``). Only dictionaries are changed here: no file read (one
``isdir`` for WhiteNoise's ``STATIC_ROOT``, below), no network.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import MutableMapping
from typing import Any

from .config import (
    APP_STATICFILES_BACKEND,
    STORAGE_OPTIONS,
    Config,
    runtime_cache_file,
    runtime_values,
)
from .errors import S3StaticError
from .settings_table import DYNO

STORAGE_BACKEND = "django_s3_static.storage.S3ManifestStorage"
CACHE_ALIAS = "staticfiles"
MEMORY_ALIAS = "staticfiles-memory"
SLUG_ALIAS = "staticfiles-slug"
APP_STATIC_URL = "DJANGO_S3_STATIC_APP_STATIC_URL"
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
#: Set in the namespace by ``install``: a settings module that calls it itself (the explicit
#: one-line way) is not installed into a second time by the dyno's settings hook.
INSTALLED_MARKER = "_django_s3_static_installed"
_DEFAULT_STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
_DEFAULT_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class _Namespace:
    def __init__(self, namespace: MutableMapping[str, Any]) -> None:
        self.__dict__.update({k: v for k, v in namespace.items() if k.isupper()})


def static_caches(cache_file: str) -> dict[str, dict[str, Any]]:
    """Process memory in front of the slug's static cache; the names never change in a release."""
    return {
        CACHE_ALIAS: {
            "BACKEND": "django_s3_static.cache.ChainedCache",
            "TIMEOUT": None,
            "OPTIONS": {"CACHES": [MEMORY_ALIAS, SLUG_ALIAS], "MAX_MEMORY_TIMEOUT": None},
        },
        MEMORY_ALIAS: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "django-s3-static",
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
        SLUG_ALIAS: {
            "BACKEND": "django_s3_static.runtime.slug_level.SlugManifestCache",
            "LOCATION": cache_file,
            "TIMEOUT": None,
        },
    }


def install(namespace: MutableMapping[str, Any]) -> None:
    """Make the settings in ``namespace`` serve static files from the bucket via the slug cache."""
    if namespace.get(INSTALLED_MARKER):
        return
    namespace[INSTALLED_MARKER] = True
    values = runtime_values(_Namespace(namespace), os.environ)
    storages = dict(namespace.get("STORAGES") or _DEFAULT_STORAGES)
    app_entry = storages.get("staticfiles")
    if isinstance(app_entry, dict) and app_entry.get("BACKEND"):
        namespace.setdefault(APP_STATICFILES_BACKEND, app_entry["BACKEND"])
    storages["staticfiles"] = {
        "BACKEND": STORAGE_BACKEND,
        "OPTIONS": _s3_options(storages.get("staticfiles")),
    }
    namespace["STORAGES"] = storages
    installed = list(namespace.get("INSTALLED_APPS") or [])
    if "django_s3_static" not in installed:
        installed.append("django_s3_static")
    namespace["INSTALLED_APPS"] = installed
    namespace["CACHES"] = {
        **(namespace.get("CACHES") or _DEFAULT_CACHES),
        **static_caches(runtime_cache_file(values)),
    }
    # The app's own STATIC_URL is what the build's post-processing saw: the fingerprint reads it
    # from here, so a command run on a dyno (verify_static) agrees with the build.
    namespace.setdefault(APP_STATIC_URL, namespace.get("STATIC_URL"))
    with contextlib.suppress(S3StaticError):  # else left as it is; the system check names it
        namespace["STATIC_URL"] = Config.from_values(values, where=DYNO).public_base_url
    _no_static_root_for_whitenoise(namespace)


def _no_static_root_for_whitenoise(namespace: MutableMapping[str, Any]) -> None:
    """WhiteNoise's middleware serves ``STATIC_ROOT`` and warns ``No directory at: ...`` in every
    process that builds it when that folder is missing, as it always is on a dyno: the static
    files are in the bucket and collectstatic does not run there. With the middleware installed
    and no such folder, ``STATIC_ROOT`` is unset, which WhiteNoise reads as nothing to serve; it
    still serves ``WHITENOISE_ROOT`` (robots.txt, favicon.ico). Its ``add_files`` does the same
    ``isdir``: https://github.com/evansd/whitenoise/blob/main/src/whitenoise/base.py"""
    root = namespace.get("STATIC_ROOT")
    middleware = namespace.get("MIDDLEWARE") or ()
    if root and WHITENOISE_MIDDLEWARE in middleware and not os.path.isdir(root):
        namespace["STATIC_ROOT"] = None


def _s3_options(entry: object) -> dict[str, Any]:
    """The django-storages ``OPTIONS`` of the app's static storage that place the files (bucket,
    location, domain ...), kept for the storage that replaces it; the rest concern uploads."""
    options = entry.get("OPTIONS") if isinstance(entry, dict) else None
    if not isinstance(options, dict):
        return {}
    return {key: value for key, value in options.items() if key in STORAGE_OPTIONS}
