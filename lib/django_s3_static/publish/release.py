"""Which release a build records: the commit Heroku builds, and the app it builds it for.

The commit is ``SOURCE_VERSION`` (https://github.com/ianpurvis/heroku-buildpack-version).
``HEROKU_APP_NAME`` exists only where set (https://devcenter.heroku.com/articles/dyno-metadata);
else the label is a random id kept in the build cache
(https://devcenter.heroku.com/articles/buildpack-api), whose records follow, not interleave with,
the id before a purge.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from ..format.records import app_label

#: In the build cache's top folder, beside (not inside) the installed dependencies.
APP_ID_FILE = ".django-s3-static-app-id"
CACHE_LABEL_PREFIX = "cache-"


@dataclass(frozen=True)
class Release:
    commit: str | None
    app: str | None


def release_of(
    values: Mapping[str, str], build_cache: str, environ: Mapping[str, str] | None = None
) -> Release:
    """The release this build records: ``SOURCE_VERSION`` and the app's label."""
    environ = os.environ if environ is None else environ
    app = app_label(values.get("HEROKU_APP_NAME", "")) or cache_label(build_cache)
    return Release(environ.get("SOURCE_VERSION") or None, app)


def cache_label(build_cache: str) -> str | None:
    """``cache-<id>``, kept in the build cache; None when it cannot keep one."""
    path = os.path.join(build_cache, APP_ID_FILE)
    with contextlib.suppress(OSError):
        with open(path, encoding="ascii", errors="replace") as handle:
            found = app_label(handle.read().strip())
        if found and len(found) == 8:
            return CACHE_LABEL_PREFIX + found
    made = secrets.token_hex(4)
    try:
        os.makedirs(build_cache, exist_ok=True)
        with open(path, "w", encoding="ascii") as handle:
            handle.write(made + "\n")
    except OSError:
        return None
    return CACHE_LABEL_PREFIX + made
