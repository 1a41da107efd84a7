"""Which release a build records: the commit Heroku builds, and the app it builds it for.

On Heroku every ``git push`` build is a release, so every build records its static cache in the
bucket (``format.records``), even when the cache is one recorded before (a revert is a new
release). ``prune_static`` counts those records; the app label lets it notice two apps (staging
and production, say) publishing to one prefix, whose records would otherwise count together.

What a classic build sees of its app: the config vars in ENV_DIR and a build cache (CACHE_DIR)
kept between the builds of one app (https://devcenter.heroku.com/articles/buildpack-api), and the
commit in ``SOURCE_VERSION``, set in the build's environment (as the README of
https://github.com/ianpurvis/heroku-buildpack-version shows). The app's name is in the config var
``HEROKU_APP_NAME`` only where Heroku sets it (review apps; the Labs dyno metadata,
https://devcenter.heroku.com/articles/dyno-metadata) or the owner did. Without it the label is a
random id the build keeps in its build cache: the same for every build of the app until that
cache is purged (a purge starts another id, which prune_static tells apart from a second app:
the two ids' records follow each other instead of interleaving).
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
    """``cache-<id>``, the id kept in the build cache (made on its first build); None when the
    cache cannot keep one (the record then carries no label, as publish_static's do)."""
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
