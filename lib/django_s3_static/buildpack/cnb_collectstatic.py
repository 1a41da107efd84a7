"""heroku/python's Cloud Native Buildpack runs ``manage.py collectstatic`` before this buildpack,
in every build: what it left in the image, and what it sent to S3.

It runs it whenever ``manage.py`` is at the app's root, Django is in the venv and
``collectstatic`` exists, with no switch to turn it off
(https://github.com/heroku/buildpacks-python/blob/main/src/django.rs; an opt-out is
https://github.com/heroku/buildpacks-python/issues/109, open). ``DISABLE_COLLECTSTATIC`` is
Cedar's switch only. The files it collects into ``STATIC_ROOT`` would ride in the image, and the
dyno never serves them (its static files come from S3): the build removes that folder, but only
when nothing says it is more than collectstatic's output (``removable``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import output
from ..collect.heroku_collectstatic import CONFIG_VAR, leftovers

ISSUE = "https://github.com/heroku/buildpacks-python/issues/109"


@dataclass(frozen=True)
class Decision:
    """The folder to remove (absolute), or why it stays (``kept``); both None: nothing there."""

    folder: str | None = None
    kept: str | None = None


def removable(app_dir: str, static_root: str | None, protected: Sequence[str]) -> Decision:
    """Whether ``STATIC_ROOT`` is only collectstatic's output, to remove from the image.

    It must be a real folder (not a link) strictly inside the app's directory (what is outside
    is not in the image); it must not hold (or be) a folder the app needs: the static cache's, a
    ``STATICFILES_DIRS`` folder (``protected``); and it must hold no Python module (an app's
    package, whose ``static/`` folder it would be)."""
    if not static_root:
        return Decision()
    given = os.path.join(app_dir, static_root)
    app = os.path.realpath(app_dir)
    root = os.path.realpath(given)
    if not os.path.isdir(root):
        return Decision()
    if not root.startswith(app + os.sep):
        return Decision()  # outside the app's directory, so not in the image
    if os.path.islink(given.rstrip(os.sep)):
        return Decision(kept="it is a link")
    for path in protected:
        real = os.path.realpath(os.path.join(app_dir, path))
        if real == root or real.startswith(root + os.sep):
            return Decision(kept=f"it holds {os.path.relpath(real, app)}, which the app needs")
    for folder, dirs, files in os.walk(root):
        if any(name.endswith(".py") for name in files):
            return Decision(kept=f"it holds Python modules ({os.path.relpath(folder, app)})")
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return Decision(folder=root)


def clean_up(
    app_dir: str,
    manage_py: str,
    cache_file: str,
    facts: Mapping,
    env: Mapping[str, str],
) -> None:
    """Remove what heroku/python's collectstatic left, and say what it did and what to change."""
    if os.path.realpath(os.path.dirname(manage_py)) != os.path.realpath(app_dir):
        return  # it looks for manage.py at the app's root only: it did not run
    if env.get(CONFIG_VAR, "") not in ("", "0"):
        output.info(
            f"{CONFIG_VAR}={env[CONFIG_VAR]} does nothing here: heroku/python's Cloud Native "
            f"Buildpack runs collectstatic in every build ({ISSUE})"
        )
    static_root = facts.get("static_root")
    protected = [os.path.dirname(cache_file), *(facts.get("staticfiles_dirs") or [])]
    decision = removable(app_dir, static_root, protected)
    found = leftovers(app_dir, static_root) if (decision.folder or decision.kept) else None
    count, size = found or (0, 0)
    what = f"{count} file{'s' * (count != 1)} ({output.human_bytes(size)})"
    if decision.folder:
        shutil.rmtree(decision.folder)
        shown = os.path.relpath(decision.folder, os.path.realpath(app_dir))
        output.info(
            f"Removed {shown}/ (STATIC_ROOT, {what}) from the image: heroku/python's "
            "collectstatic filled it, and the dyno's static files come from S3"
        )
    elif decision.kept and count:
        output.info(f"Kept STATIC_ROOT ({static_root}, {what}) in the image: {decision.kept}")
    backend = facts.get("staticfiles_backend") or ""
    if backend.startswith("storages."):
        output.warn(
            f"heroku/python's collectstatic sent the static files to S3 itself: the settings' "
            f"STORAGES['staticfiles'] is {backend}.",
            [
                "It runs in every build on Fir, with requests per file, before this buildpack",
                "uploads only what the bucket lacks. Keep Django's own storage in the settings",
                "(django.contrib.staticfiles.storage.StaticFilesStorage): the dyno's settings",
                "snippet sets this buildpack's storage.",
            ],
        )
