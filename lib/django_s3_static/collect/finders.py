"""Where the staticfiles finders look, recorded so a build can check the sources with the settings
alone.

Fingerprinting the sources needs the list of files Django's finders return, and the app
directories finder asks the app registry for every installed app's folder: ``django.setup()``,
which imports every app (the admin alone imports most of Django). For a small app that start-up is
most of a build that changes nothing. So each publish records, beside the fingerprint, how the
registry answered: the finders and ``INSTALLED_APPS`` as set, and for each app its name and the
module defining its AppConfig, with that file's SHA-256. A later build whose settings have the same
finders and whose apps the record vouches for (``vouch``: each app of the deployed
``INSTALLED_APPS`` recorded with the same AppConfig file, or given Django's default AppConfig;
apps only the publishing settings install do not matter) knows the same folders without importing
a single app, lists them with Django's own finder code, with the ignore patterns collectstatic
would use (read from the staticfiles app's AppConfig, made as Django makes it), and fingerprints
the files. Anything it cannot vouch for (another finder, an AppConfig with its own ``path``, a
namespace package, a changed ``apps.py``, an ``apps`` module where the record has none) means the
full ``django.setup()``, as before, and the build says why (``Gap``).

When the fingerprint differs, the sources changed. If the publish also saw that
``django.setup()`` left the static settings and Django's hashing classes as the settings module
set them (``static_settings``: no ``ready()`` appended a folder or patched the hashing), the same
folders are what Django's finders list, and the build collects the change from this listing
(``collect``); otherwise the full start-up lists them.
"""

from __future__ import annotations

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

    Only the top-level package is looked up through the import system (which runs nothing of
    it); below that the folders are walked as the standard path finder would. Anything that
    is not a plain ``.py`` module or a regular package (namespace packages, compiled modules,
    zip imports) gives None: the caller then falls back to importing.
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
    """Whether an app that Django gave the default AppConfig could now get one of its own.

    Django looks for an AppConfig in the app's ``apps`` submodule; one added later may set
    another ``path``, and only the registry would know. Any file or folder that could be that
    submodule counts (a plain ``apps.py``, a package, compiled or bytecode forms), and so does an
    app that cannot be located without importing it.
    """
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
    """The patterns collectstatic ignores by default: the staticfiles AppConfig's, each
    normalised as collectstatic normalises them (sorted, so a record compares equal)."""
    return sorted({os.path.normpath(p) for p in staticfiles_config.ignore_patterns})


def live_ignore_patterns(installed: list[str], apps: list[Mapping]) -> list[str] | None:
    """The patterns collectstatic would ignore, read from the settings as they are now.

    A project may replace the staticfiles AppConfig by its own, whose ``ignore_patterns`` can
    come from anywhere (a setting, a config var): the copy in the record may be out of date. So
    the staticfiles app's AppConfig is made as ``django.setup()`` makes it (``AppConfig.create``
    imports that app's module and its AppConfig's, no other app's, and runs no ``ready()``).
    None when it cannot be made that way: the caller starts Django.
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
    """What the listing and the hashing depend on besides the files: the static settings as the
    settings module set them, and the attributes and methods of Django's hashing storage classes.

    Taken before and after ``django.setup()`` by a process that records the finders: when they
    differ (an app's ``ready()`` appended a folder, or patched the hashing), only the registry
    gives Django's answer, and the record does not carry ``SETUP_KEEPS_SETTINGS``.
    """
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
    """What the next build needs to find the same folders without the registry; None if it can't.

    Called in a process where ``django.setup()`` has run, with the registry's app configs;
    ``setup_kept``: whether it left ``static_settings`` as the settings module set them.
    """
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

    What the listing needs is each installed app's folder, in the settings' order; an entry of
    the record that these settings do not install is not listed, so it does not matter (the
    commands' own apps, in INSTALLED_APPS where ``publish_static`` runs only). An entry that is
    not recorded is vouched for when Django would give it the default AppConfig (a module
    without an ``apps`` submodule: its folder is the module's); any other must be recorded.
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
    """What ``finder.list()`` gives for each finder in the settings, the registry unasked, with
    what ``vouch`` found; no listing (and a ``Gap`` saying why) when the record cannot tell.

    The file system finder is Django's own; the app directories finder is Django's too, handed
    the folders the record vouches for instead of asking the registry.
    """
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

    made = {
        FILE_SYSTEM_FINDER: FileSystemFinder,
        APP_DIRECTORIES_FINDER: RecordedAppDirectoriesFinder,
    }

    def files() -> Iterator[tuple[str, Any]]:
        for finder_path in settings.STATICFILES_FINDERS:
            yield from made[finder_path]().list(ignore)

    return files(), vouched
