"""Finding the Django app in a checkout, the same way heroku/python does."""

from __future__ import annotations

import os
import re

from .errors import BuildError

_SETDEFAULT = re.compile(
    r"""os\.environ\.setdefault\(\s*['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]"""
)


def find_manage_py(build_dir: str, max_depth: int = 3) -> str | None:
    """The shallowest manage.py within ``max_depth`` levels (hidden folders skipped)."""
    found: list[tuple[int, str]] = []
    root_depth = build_dir.rstrip(os.sep).count(os.sep)
    for folder, dirs, files in os.walk(build_dir):
        depth = folder.rstrip(os.sep).count(os.sep) - root_depth + 1
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        if depth >= max_depth:
            dirs[:] = []
        if "manage.py" in files and os.path.isfile(os.path.join(folder, "manage.py")):
            found.append((depth, os.path.join(folder, "manage.py")))
    return min(found)[1] if found else None


def require_manage_py(build_dir: str) -> str:
    path = find_manage_py(build_dir)
    if path is None:
        raise BuildError(
            "No manage.py found in the app (searched 3 levels deep).",
            "django-s3-static builds Django apps: commit manage.py, at the root of the repository",
            "or at most two folders below it.",
        )
    return path


def settings_module(manage_py: str, configured: str | None) -> str:
    """The config var DJANGO_SETTINGS_MODULE if set, else the module manage.py defaults to."""
    if configured:
        return configured.strip()
    with open(manage_py, encoding="utf-8", errors="replace") as handle:
        match = _SETDEFAULT.search(handle.read())
    if not match:
        raise BuildError(
            "Cannot tell which settings module the app uses.",
            "manage.py does not call os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...).",
            "Set it as a config var: heroku config:set DJANGO_SETTINGS_MODULE=mysite.settings",
        )
    return match.group(1)
