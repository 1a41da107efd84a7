"""heroku/python's own ``collectstatic``, run before this buildpack: skipped, or what it cost.

Its switches:
https://github.com/heroku/heroku-buildpack-python/blob/v351/bin/steps/collectstatic#L28-L42
(``DISABLE_COLLECTSTATIC`` is read from ENV_DIR first; anything but ``0`` or empty).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import output

DISABLED_FILE = os.path.join(".heroku", "collectstatic_disabled")
CONFIG_VAR = "DISABLE_COLLECTSTATIC"
FIX = f"heroku config:set {CONFIG_VAR}=1"


def skipped_by(
    build_dir: str, env: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> str | None:
    """What made heroku/python skip its collectstatic (for the log), or None if it ran."""
    if os.path.isfile(os.path.join(build_dir, DISABLED_FILE)):
        return f"the file {DISABLED_FILE}"
    environ = os.environ if environ is None else environ
    value = env[CONFIG_VAR] if CONFIG_VAR in env else environ.get(CONFIG_VAR, "")
    if value not in ("", "0"):
        return f"{CONFIG_VAR}={value}"
    return None


def settings_facts(settings: Any) -> dict[str, str | list[str] | None]:
    """Where heroku/python's collectstatic (or one in ``bin/post_compile``) writes, with which
    storage and uploading app, as the app sets it; and the app's own static folders
    (``STATICFILES_DIRS``), which a build never removes."""
    root = getattr(settings, "STATIC_ROOT", None)
    storages = getattr(settings, "STORAGES", None)
    staticfiles = storages.get("staticfiles") if isinstance(storages, dict) else None
    backend = staticfiles.get("BACKEND") if isinstance(staticfiles, dict) else None
    installed = getattr(settings, "INSTALLED_APPS", None) or ()
    uploading = [app for app in ("collectfasta", "collectfast") if app in installed]
    return {
        "static_root": os.fspath(root) if isinstance(root, (str, os.PathLike)) and root else None,
        "staticfiles_backend": backend if isinstance(backend, str) else None,
        # An app that makes collectstatic upload by itself (bin/post_compile's run of it).
        "uploading_collectstatic": uploading[0] if uploading else None,
        "staticfiles_dirs": _folders(getattr(settings, "STATICFILES_DIRS", None)),
    }


def _folders(entries: Any) -> list[str]:
    """The folders of ``STATICFILES_DIRS``: a path, or a ``(prefix, path)`` pair."""
    found = []
    for entry in entries if isinstance(entries, (list, tuple)) else ():
        path = entry[1] if isinstance(entry, (list, tuple)) and len(entry) == 2 else entry
        if isinstance(path, (str, os.PathLike)) and path:
            found.append(os.fspath(path))
    return found


def leftovers(build_dir: str, static_root: str | None) -> tuple[int, int] | None:
    """(files, bytes) in ``STATIC_ROOT`` when it is a folder inside the slug; else None."""
    if not static_root:
        return None
    root = os.path.realpath(os.path.join(build_dir, static_root))
    inside = os.path.realpath(build_dir) + os.sep
    if not root.startswith(inside) or not os.path.isdir(root):
        return None
    count = size = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                count += 1
                size += os.path.getsize(path)
    return count, size


def cost_lines(build_dir: str, facts: Mapping[str, str | None]) -> list[str]:
    """What heroku/python's collectstatic did and what it costs, as far as the slug shows it."""
    lines = []
    found = leftovers(build_dir, facts.get("static_root"))
    if found and found[0]:
        rel = os.path.relpath(
            os.path.realpath(os.path.join(build_dir, facts["static_root"] or "")),
            os.path.realpath(build_dir),
        )
        lines.append(
            f"It left {found[0]} file{'s' * (found[0] != 1)} ({output.human_bytes(found[1])}) "
            f"in {rel}/ (STATIC_ROOT): "
            "the slug carries them, the dyno never serves them (its static files come from S3)."
        )
    backend = facts.get("staticfiles_backend") or ""
    if backend.startswith("storages."):
        lines.append(
            f"Its STORAGES['staticfiles'] is {backend}, so it also sent the files to S3 "
            "itself, with requests per file."
        )
    lines.append(
        "It costs every build a second collectstatic (this buildpack collects on its own), and "
        "fails the build before this buildpack runs whenever it fails (STATIC_ROOT unset, say)."
    )
    return lines


def warn_if_it_ran(build_dir: str, env: Mapping[str, str], facts: Mapping[str, str | None]) -> None:
    """The build's warning when heroku/python's collectstatic was not turned off."""
    if skipped_by(build_dir, env) is not None:
        return
    why = f"{CONFIG_VAR}={env[CONFIG_VAR]}" if env.get(CONFIG_VAR) else f"{CONFIG_VAR} is not set"
    output.warn(
        f"heroku/python ran its own collectstatic before this buildpack ({why}).",
        [
            *cost_lines(build_dir, facts),
            f"Turn it off: {FIX}",
            f"(or commit an empty {DISABLED_FILE}, which heroku/python also honours but calls "
            "deprecated)",
        ],
    )
