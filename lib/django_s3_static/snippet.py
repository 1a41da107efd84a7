"""The settings snippet: point an app's static storage at the slug's static cache and the bucket.

``install(globals())`` ends a settings module, or ``settings_hook`` calls it; no I/O but one
``isdir``.
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
#: Set in the namespace by ``install``, so a module that called it is not installed twice.
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
    """Serve the static files of the settings in ``namespace`` from the bucket."""
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
    """Unset a missing ``STATIC_ROOT`` under WhiteNoise, which warns in every process otherwise.

    https://github.com/evansd/whitenoise/blob/main/src/whitenoise/base.py
    """
    root = namespace.get("STATIC_ROOT")
    middleware = namespace.get("MIDDLEWARE") or ()
    if root and WHITENOISE_MIDDLEWARE in middleware and not os.path.isdir(root):
        namespace["STATIC_ROOT"] = None


def _s3_options(entry: object) -> dict[str, Any]:
    """The django-storages ``OPTIONS`` that place the files (bucket, location, domain ...)."""
    options = entry.get("OPTIONS") if isinstance(entry, dict) else None
    if not isinstance(options, dict):
        return {}
    return {key: value for key, value in options.items() if key in STORAGE_OPTIONS}
