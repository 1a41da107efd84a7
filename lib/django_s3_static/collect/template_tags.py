"""Whether the app's templates render scripts or stylesheets with integrity: this package's tags
(``{% static_script %}``, ``{% static_stylesheet %}``, ``{% static_integrity %}``, in the
``s3_static`` library) in a template Django's template loaders read.

Such a tag puts the file in CORS mode (``crossorigin="anonymous"``), and the bucket then needs a
CORS rule for scripts and stylesheets, not only for fonts (``publish.cors``). An app that never
uses the tags needs none for them, and the build must not say it does. So the app's process looks
where the ``DjangoTemplates`` backends look (``DIRS``, the apps' ``templates`` folders with
``APP_DIRS`` or the app directories loader, the folders given to the file system loader, the
strings of the locmem loader) for a tag name in a ``{% %}`` block; the names are the library's,
whichever name it is loaded under, or built in. A loader it does not know (templates from a
database, say) may hold anything: then it cannot tell, and the build checks as if the tags were
used. Other backends (Jinja2) cannot use Django's tags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

DJANGO_BACKEND = "django.template.backends.django.DjangoTemplates"
FILESYSTEM = "django.template.loaders.filesystem.Loader"
APP_DIRECTORIES = "django.template.loaders.app_directories.Loader"
CACHED = "django.template.loaders.cached.Loader"
LOCMEM = "django.template.loaders.locmem.Loader"
#: The tags of ``templatetags/s3_static.py`` that render an integrity digest.
TAGS = ("static_script", "static_stylesheet", "static_integrity")
_TAG = re.compile(r"\{%-?\s*(?:" + "|".join(TAGS) + r")\b")
#: A template larger than this is not a page template (a bundle someone put there): skipped.
MAX_BYTES = 4 * 1024 * 1024


class Unknown(Exception):
    """A template loader whose templates cannot be listed from the settings."""


def uses_tags(text: str) -> bool:
    return _TAG.search(text) is not None


def uses_integrity(settings: Any, app_paths: Iterable[str]) -> bool | None:
    """Whether a template of the app uses the integrity tags; None when it cannot tell."""
    app_paths = list(app_paths)
    try:
        sources = list(_sources(settings, app_paths))
    except Exception:  # Unknown, or TEMPLATES Django itself would refuse: the check runs anyway
        return None
    for kind, value in sources:
        if kind == "text" and uses_tags(value):
            return True
        if kind == "folder" and any(uses_tags(text) for text in _texts(value)):
            return True
    return False


def _sources(settings: Any, app_paths: list[str]) -> Iterator[tuple[str, str]]:
    """("folder", path) and ("text", template) for every DjangoTemplates backend."""
    for backend in getattr(settings, "TEMPLATES", None) or ():
        if not isinstance(backend, dict) or backend.get("BACKEND") != DJANGO_BACKEND:
            continue
        dirs = [os.fspath(d) for d in backend.get("DIRS") or ()]
        options = backend.get("OPTIONS") or {}
        loaders = options.get("loaders")
        if loaders is None:
            loaders = [FILESYSTEM] + ([APP_DIRECTORIES] if backend.get("APP_DIRS") else [])
        yield from _loaded(loaders, dirs, app_paths)


def _loaded(loaders: Iterable, dirs: list[str], app_paths: list[str]) -> Iterator[tuple[str, str]]:
    for loader in loaders:
        name, args = (loader, ()) if isinstance(loader, str) else (loader[0], tuple(loader[1:]))
        if name == FILESYSTEM:
            folders = args[0] if args else dirs
            yield from (("folder", os.fspath(folder)) for folder in folders)
        elif name == APP_DIRECTORIES:
            yield from (("folder", os.path.join(path, "templates")) for path in app_paths)
        elif name == CACHED:
            yield from _loaded(args[0] if args else [], dirs, app_paths)
        elif name == LOCMEM:
            templates = args[0] if args else {}
            yield from (("text", str(text)) for text in templates.values())
        else:
            raise Unknown(name)


def _texts(folder: str) -> Iterator[str]:
    """The files of a template folder, but for tools' folders (``.*``, ``node_modules``: a
    ``DIRS`` entry may be the project itself, with heroku/python's ``.heroku`` inside)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "node_modules"]
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.path.getsize(path) > MAX_BYTES:
                    continue
                with open(path, encoding="utf-8", errors="replace") as handle:
                    yield handle.read()
            except OSError:
                continue
