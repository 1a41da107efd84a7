"""Where the staticfiles finders look, recorded so a build can list sources without the registry.

The app directories finder asks the registry, and ``django.setup()`` imports every app. While the
recorded finders match and the record vouches for each app of the deployed ``INSTALLED_APPS``
(``vouch``: the same AppConfig file, or Django's default AppConfig; apps only the publishing
settings install do not matter), Django's own finder code lists the same folders; anything else
means the full start-up, and the build says why (``Gap``).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES, all_suffixes
from typing import Any

from ..format.finders_record import (
    APP_DIRECTORIES_FINDER,
    FILE_SYSTEM_FINDER,
    KNOWN_FINDERS,
    MAX_APPS,
    SETUP_KEEPS_SETTINGS,
    consistent,
)
from . import fingerprint
from .written_settings import as_written

#: The module of the AppConfig Django gives an app that has none of its own.
DEFAULT_APP_CONFIG = "django.apps.config"
STATICFILES_APP = "django.contrib.staticfiles"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def module_location(dotted: str) -> tuple[str, bool] | None:
    """The source file of a module and whether it is a package, found without running it.

    Namespace packages, compiled modules and zip imports give None: the caller imports instead.
    """
    parts = dotted.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.has_location:
        return None
    if spec.submodule_search_locations is None:
        if len(parts) > 1 or not spec.origin.endswith(".py"):
            return None
        return spec.origin, False
    if not spec.origin.endswith("__init__.py"):
        return None  # a namespace package, or compiled
    folder = os.path.dirname(spec.origin)
    for index, part in enumerate(parts[1:], start=2):
        package_init = os.path.join(folder, part, "__init__.py")
        module_file = os.path.join(folder, part + ".py")
        if os.path.isfile(package_init):
            folder = os.path.dirname(package_init)
            if index == len(parts):
                return package_init, True
        elif os.path.isfile(module_file) and index == len(parts):
            if _has_compiled_twin(folder, part):
                return None  # an extension module would win over the .py
            return module_file, False
        else:
            return None
    return spec.origin, True


def _has_compiled_twin(folder: str, name: str) -> bool:
    return any(os.path.exists(os.path.join(folder, name + s)) for s in EXTENSION_SUFFIXES)


def module_folder(dotted: str) -> str | None:
    """The folder Django gives an app when its AppConfig does not set ``path``."""
    found = module_location(dotted)
    return os.path.dirname(found[0]) if found else None


def may_get_an_appconfig(app_name: str) -> bool:
    """Whether an app on the default AppConfig could now get its own, with another ``path``."""
    found = module_location(app_name)
    if found is None:
        return True
    path, package = found
    if not package:
        return False  # a plain module has no submodules
    folder = os.path.dirname(path)
    candidate = os.path.join(folder, "apps")
    return os.path.isdir(candidate) or any(os.path.exists(candidate + s) for s in all_suffixes())


def collectstatic_ignore_patterns(staticfiles_config: Any) -> list[str]:
    """The staticfiles AppConfig's patterns, normalised and sorted as collectstatic does."""
    return sorted({os.path.normpath(p) for p in staticfiles_config.ignore_patterns})


def live_ignore_patterns(installed: list[str], apps: list[Mapping]) -> list[str] | None:
    """The patterns collectstatic would ignore, from its AppConfig made as Django makes it.

    A project's own AppConfig may take them from anywhere; ``AppConfig.create`` runs no
    ``ready()``. None when it cannot be made so.
    """
    from django.apps import AppConfig  # lazy: Django, imported once the app's settings are read

    for entry, app in zip(installed, apps, strict=True):
        if app["name"] != STATICFILES_APP:
            continue
        try:
            config = AppConfig.create(entry)
            if config.label != "staticfiles":
                return None
            return collectstatic_ignore_patterns(config)
        except Exception:
            return None  # the full start-up reports it, if it is an error
    return None


def file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return fingerprint.file_sha256(handle)


#: The settings the settings-only listing and Django's hashing read, which an app's ``ready()``
#: could change (``static_settings``).
STATIC_SETTINGS = (
    "INSTALLED_APPS",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STORAGES",
    "STATIC_URL",
    "FORCE_SCRIPT_NAME",
)


def static_settings(settings: Any) -> tuple:
    """The static settings as written, and Django's hashing classes, to compare around setup."""
    from django.contrib.staticfiles import storage  # lazy: Django, after the settings

    written = as_written(settings)  # reading a relative STATIC_URL now would keep it unprefixed
    values = tuple(repr(getattr(written, name, None)) for name in STATIC_SETTINGS)
    classes = (
        storage.HashedFilesMixin,
        storage.ManifestFilesMixin,
        storage.ManifestStaticFilesStorage,
        storage.StaticFilesStorage,
    )
    return values, tuple(dict(vars(cls)) for cls in classes)


def record(
    settings: Any, app_configs: list, ignore_patterns: list[str], setup_kept: bool = False
) -> dict | None:
    """What the next build needs to find the same folders without the registry; None if it can't."""
    finders = list(settings.STATICFILES_FINDERS)
    installed = list(settings.INSTALLED_APPS)
    if not set(finders) <= KNOWN_FINDERS or len(installed) != len(app_configs):
        return None
    if not all(isinstance(entry, str) for entry in installed) or len(installed) > MAX_APPS:
        return None
    apps = []
    for entry, app_config in zip(installed, app_configs, strict=True):
        config_module = type(app_config).__module__
        found = module_location(config_module)
        folder = module_folder(app_config.name)
        if found is None or folder is None:
            return None
        if os.path.realpath(folder) != os.path.realpath(app_config.path):
            return None  # the AppConfig sets its own path: only the registry knows it
        if config_module == DEFAULT_APP_CONFIG and may_get_an_appconfig(app_config.name):
            return None  # an apps module without an AppConfig: any edit may add one
        apps.append(
            {"config": config_module, "name": app_config.name, "sha256": file_sha256(found[0])}
        )
        if not consistent(entry, apps[-1]):
            return None
    if live_ignore_patterns(installed, apps) != sorted(ignore_patterns):
        return None  # set in __init__ or ready(), or relabelled: only the registry knows them
    found = {
        "apps": apps,
        # Kept as the publish found them (the format has them); builds read the live ones.
        "ignore_patterns": sorted(ignore_patterns),
        "installed_apps": installed,
        "staticfiles_finders": finders,
    }
    if setup_kept:
        found[SETUP_KEEPS_SETTINGS] = True
    return found


@dataclass(frozen=True)
class Gap:
    """Why the record cannot vouch for these settings (the full start-up decides), and what would
    make it vouch (``fix``), when anything would: the build says both."""

    why: str
    fix: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"why": self.why, "fix": self.fix}


@dataclass(frozen=True)
class Vouched:
    """The apps of these settings as the registry would make them, from the record."""

    installed: list[str]  # the settings' INSTALLED_APPS
    apps: list[dict]  # each entry's app: name, config module (and the recorded SHA-256)
    folders: list[tuple[str, str]]  # (app name, folder) in registry order


PUBLISH = "run 'python manage.py publish_static' {where}and commit the static cache"


def vouch(settings: Any, recorded: Mapping) -> Vouched | Gap:
    """The apps and folders of the settings' INSTALLED_APPS, if the record vouches for them.

    The listing needs each installed app's folder in the settings' order: a recorded app these
    settings do not install does not matter; an unrecorded one is vouched for when Django would
    give it the default AppConfig (no ``apps`` submodule).
    """
    if list(settings.STATICFILES_FINDERS) != recorded["staticfiles_finders"]:
        return Gap(
            "its STATICFILES_FINDERS are not these settings'",
            PUBLISH.format(where="with settings that have these finders "),
        )
    installed = list(settings.INSTALLED_APPS)
    if not all(isinstance(e, str) for e in installed) or len(set(installed)) != len(installed):
        return Gap("INSTALLED_APPS holds an entry twice, or one that is not a dotted path")
    by_entry = dict(zip(recorded["installed_apps"], recorded["apps"], strict=True))
    apps, folders, unrecorded = [], [], set()
    for entry in installed:
        app = by_entry.get(entry)
        if app is None:
            app = _unrecorded(entry)
            if isinstance(app, Gap):
                return app
            unrecorded.add(entry)
        found = module_location(app["config"])
        folder = module_folder(app["name"])
        if found is None or folder is None:
            return Gap(f"{app['name']!r} cannot be located without importing it")
        if "sha256" in app and file_sha256(found[0]) != app["sha256"]:
            return Gap(
                f"the module defining the AppConfig of {app['name']!r} ({app['config']}) is not "
                "the file it was written with (another version of it, or an edit)",
                PUBLISH.format(where="with the packages the app deploys "),
            )
        if app["config"] == DEFAULT_APP_CONFIG and may_get_an_appconfig(app["name"]):
            return Gap(  # an apps.py added since: its AppConfig may set another path
                f"{app['name']!r} has an apps module now, whose AppConfig may set its folder",
                PUBLISH.format(where=""),
            )
        apps.append(app)
        folders.append((app["name"], folder))
    if len({app["name"] for app in apps}) != len(apps):
        return Gap("two entries of INSTALLED_APPS are the same app")
    labels = [app["name"].rpartition(".")[2] for app in apps]
    for entry in unrecorded:  # the record saw the others side by side, set up by Django
        if labels.count(entry.rpartition(".")[2]) > 1:
            return Gap(f"{entry!r} of INSTALLED_APPS may have the label of another app")
    return Vouched(installed, apps, folders)


def _unrecorded(entry: str) -> dict | Gap:
    """An INSTALLED_APPS entry the record does not name: its app, when Django would give it the
    default AppConfig (found without importing anything of it)."""
    fix = PUBLISH.format(where=f"with settings that install {entry!r} ")
    if not _DOTTED.match(entry) or module_location(entry) is None:
        return Gap(
            f"{entry!r} of INSTALLED_APPS is not in it, and is not a module found "
            "without importing it",
            fix,
        )
    if may_get_an_appconfig(entry):
        return Gap(
            f"{entry!r} of INSTALLED_APPS is not in it, and has an apps module whose "
            "AppConfig may set its folder",
            fix,
        )
    return {"config": DEFAULT_APP_CONFIG, "name": entry}


def listed_files(
    settings: Any, recorded: Mapping
) -> tuple[Iterator[tuple[str, Any]] | None, Vouched | Gap]:
    """Each finder's ``list()``, the registry unasked, with what ``vouch`` found; no listing
    (and a ``Gap`` saying why) when the record cannot tell."""
    vouched = vouch(settings, recorded)
    if isinstance(vouched, Gap):
        return None, vouched
    ignore = live_ignore_patterns(vouched.installed, vouched.apps)
    if ignore is None:
        return None, Gap("the staticfiles app's ignore patterns cannot be read without Django")
    folders = vouched.folders
    from django.contrib.staticfiles.finders import (  # lazy: Django, after the settings
        AppDirectoriesFinder,
        FileSystemFinder,
    )

    class RecordedFileSystemFinder(FileSystemFinder):
        def list(self, ignore_patterns):  # FileSystemFinder.list, with ``files_of``
            for _prefix, root in self.locations:
                if os.path.isdir(root):
                    storage = self.storages[root]
                    for path in files_of(storage, ignore_patterns):
                        yield path, storage

    class RecordedAppDirectoriesFinder(AppDirectoriesFinder):
        def __init__(self) -> None:  # AppDirectoriesFinder.__init__, with the registry's answer
            self.apps = []
            self.storages = {}
            for name, path in folders:
                storage = self.storage_class(os.path.join(path, self.source_dir))
                if os.path.isdir(storage.location):
                    self.storages[name] = storage
                    if name not in self.apps:
                        self.apps.append(name)

        def list(self, ignore_patterns):  # AppDirectoriesFinder.list, with ``files_of``
            for storage in self.storages.values():
                if storage.exists(""):
                    for path in files_of(storage, ignore_patterns):
                        yield path, storage

    made = {
        FILE_SYSTEM_FINDER: RecordedFileSystemFinder,
        APP_DIRECTORIES_FINDER: RecordedAppDirectoriesFinder,
    }

    def files() -> Iterator[tuple[str, Any]]:
        for finder_path in settings.STATICFILES_FINDERS:
            yield from made[finder_path]().list(ignore)

    return files(), vouched


def files_of(storage: Any, ignore_patterns: list[str]) -> Iterator[str]:
    """Django's ``get_files(storage, ignore_patterns)``: the same names in the same order. For
    Django's own FileSystemStorage, each folder listed once with its entries' types, and the
    patterns matched as one expression; any other storage through Django's own function. (Where
    the two differed, the fingerprint would, and the build would collect: never a wrong cache.)"""
    from django.contrib.staticfiles.utils import get_files  # lazy: Django, after the settings
    from django.core.files.storage import FileSystemStorage  # lazy: as above

    kind = type(storage)
    if kind.listdir is not FileSystemStorage.listdir or kind.path is not FileSystemStorage.path:
        yield from get_files(storage, ignore_patterns)
        return
    expression = "|".join(fnmatch.translate(pattern) for pattern in ignore_patterns)
    ignored = re.compile(expression).match if ignore_patterns else (lambda _name: None)
    yield from _walk(storage.location, "", ignored)


def _walk(root: str, location: str, ignored: Any) -> Iterator[str]:
    """``get_files`` below ``location``: a folder's files, then its folders, each ignored by
    its own name or by its path."""
    directories, files = [], []
    with os.scandir(os.path.join(root, location) if location else root) as entries:
        for entry in entries:
            (directories if entry.is_dir() else files).append(entry.name)
    for name in files:
        if ignored(name):
            continue
        if location:
            name = f"{location}/{name}"  # os.path.join of two relative names
            if ignored(name):
                continue
        yield name
    for name in directories:
        if ignored(name):
            continue
        yield from _walk(root, f"{location}/{name}" if location else name, ignored)
