"""The settings snippet: point an app's static storage at the slug's static cache and the bucket.

``install(globals())`` at the end of a settings module is the explicit, one-line way; the
buildpack's ``.profile.d`` does the same without touching the app's code by wrapping the settings
module (see ``dyno_settings``). Only dictionaries are changed here: no file, no network.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from .config import Config, runtime_values
from .errors import BuildError

STORAGE_BACKEND = "django_s3_static.storage.S3ManifestStorage"
_DEFAULT_FILES_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


class _Namespace:
    def __init__(self, namespace: MutableMapping[str, Any]) -> None:
        self.__dict__.update({k: v for k, v in namespace.items() if k.isupper()})


def install(namespace: MutableMapping[str, Any]) -> None:
    """Make the settings in ``namespace`` serve static files from the bucket via the slug cache."""
    storages = dict(namespace.get("STORAGES") or {"default": _DEFAULT_FILES_STORAGE})
    storages["staticfiles"] = {"BACKEND": STORAGE_BACKEND}
    namespace["STORAGES"] = storages
    installed = list(namespace.get("INSTALLED_APPS") or [])
    if "django_s3_static" not in installed:
        installed.append("django_s3_static")
    namespace["INSTALLED_APPS"] = installed
    try:
        config = Config.from_values(runtime_values(_Namespace(namespace), os.environ))
    except BuildError:
        return  # left as it is; the system check names the missing setting
    namespace["STATIC_URL"] = config.public_base_url
