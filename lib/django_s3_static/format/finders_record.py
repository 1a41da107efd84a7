"""The static cache's ``finders`` section: how the finders answered, checked strictly (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping

FILE_SYSTEM_FINDER = "django.contrib.staticfiles.finders.FileSystemFinder"
APP_DIRECTORIES_FINDER = "django.contrib.staticfiles.finders.AppDirectoriesFinder"
KNOWN_FINDERS = frozenset({FILE_SYSTEM_FINDER, APP_DIRECTORIES_FINDER})
MAX_APPS = 1000
#: Present (and true) when ``django.setup()`` left the static settings as written
#: (``collect.finders.static_settings``): the recorded folders are then what Django's finders
#: list, and a build may collect a change without starting Django.
SETUP_KEEPS_SETTINGS = "setup_keeps_settings"
_KEYS = frozenset({"apps", "ignore_patterns", "installed_apps", "staticfiles_finders"})
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RecordError(Exception):
    """A recorded finders section that is malformed; the message says how, in one line."""


def consistent(entry: str, app: Mapping[str, str]) -> bool:
    """Whether an INSTALLED_APPS entry can have resolved to this app, as Django resolves them."""
    if entry == app["name"]:
        return app["config"] in (f"{entry}.apps", "django.apps.config")
    module, _, _class = entry.rpartition(".")
    return module == app["config"]


def check(document: object) -> dict:
    """Validate a recorded finders section read from a static cache (pure; fuzzed)."""
    if not isinstance(document, dict) or set(document) - {SETUP_KEEPS_SETTINGS} != _KEYS:
        raise RecordError("the static cache's 'finders' section is not as written")
    if document.get(SETUP_KEEPS_SETTINGS, True) is not True:
        raise RecordError("the static cache's 'finders' section is not as written")
    apps = document["apps"]
    installed = document["installed_apps"]
    finders = document["staticfiles_finders"]
    patterns = document["ignore_patterns"]
    for value in (apps, installed, finders, patterns):
        if not isinstance(value, list) or len(value) > MAX_APPS:
            raise RecordError("the static cache's 'finders' section has a malformed list")
    if not all(isinstance(p, str) and len(p) < 256 for p in patterns):
        raise RecordError("the static cache's 'finders' section has a malformed ignore pattern")
    if not all(isinstance(f, str) and f in KNOWN_FINDERS for f in finders):
        raise RecordError("the static cache's 'finders' section names an unknown finder")
    if len(apps) != len(installed):
        raise RecordError("the static cache's 'finders' section does not match its app list")
    for entry, app in zip(installed, apps, strict=True):
        if not isinstance(entry, str) or not _DOTTED.match(entry) or not isinstance(app, dict):
            raise RecordError("the static cache's 'finders' section has a malformed app")
        if set(app) != {"config", "name", "sha256"} or not all(
            isinstance(app[k], str) for k in app
        ):
            raise RecordError("the static cache's 'finders' section has a malformed app")
        if not (_DOTTED.match(app["name"]) and _DOTTED.match(app["config"])):
            raise RecordError("the static cache's 'finders' section has a malformed app")
        if not _SHA256.match(app["sha256"]) or not consistent(entry, app):
            raise RecordError("the static cache's 'finders' section has an inconsistent app")
    return document
