"""What the app's own staticfiles storage asks of Django's hashing, which the build honours.

The attributes Django documents are carried over to the build's storage and fingerprinted
(https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage);
overridden hashing methods are only warned about, and rule out the incremental collect.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any

from ..config import APP_STATICFILES_BACKEND
from . import hashing_source
from .written_settings import as_written

#: Class attributes Django's hashing reads, carried over to the build's storage.
CARRIED = ("support_js_module_import_aggregation", "max_post_process_passes", "patterns")
#: Methods whose override in the app's code changes the names or bytes the hashing gives.
HASHING_METHODS = (
    "file_hash",
    "hashed_name",
    "url_converter",
    "post_process",
    "_post_process",
    "_stored_name",
    "hash_key",
    "clean_name",
)
#: Packages whose storages hash as Django does (or, for django-pipeline, whose packaging the
#: build does itself).
KNOWN_PACKAGES = ("django", "storages", "pipeline", "whitenoise", "django_s3_static")
_KNOWN_PREFIXES = tuple(f"{package}." for package in KNOWN_PACKAGES)


@dataclass(frozen=True)
class AppHashing:
    backend: str | None = None
    #: The carried class attributes whose value differs from Django's.
    options: dict[str, Any] = field(default_factory=dict)
    #: ``Class.method`` of each hashing method the app's own code overrides.
    overrides: list[str] = field(default_factory=list)
    #: Why the class could not be imported, if it could not.
    problem: str | None = None

    def context(self) -> dict | None:
        """What the fingerprint keeps of the options; None if Django's (old static caches hold)."""
        if not self.options and not self.overrides:
            return None
        recorded: dict[str, Any] = {
            name: value for name, value in self.options.items() if name != "patterns"
        }
        if "patterns" in self.options:
            recorded["patterns"] = patterns_digest(self.options["patterns"])
        if self.overrides:
            recorded["overrides"] = list(self.overrides)
        return recorded


def app_backend(settings: Any) -> str | None:
    """The backend the app's settings name for static files (before the snippet replaced it)."""
    wrapped = as_written(settings)
    kept = getattr(wrapped, APP_STATICFILES_BACKEND, None)
    if kept:
        return str(kept)
    entry = (getattr(wrapped, "STORAGES", None) or {}).get("staticfiles") or {}
    backend = entry.get("BACKEND") if isinstance(entry, dict) else None
    return str(backend) if backend else None


def keep_app_backend(settings: Any) -> None:
    """Note the app's backend before the build puts its own storage in its place."""
    backend = app_backend(settings)
    if backend and not getattr(settings, APP_STATICFILES_BACKEND, None):
        setattr(settings, APP_STATICFILES_BACKEND, backend)


def app_hashing(settings: Any) -> AppHashing:
    """What the app's storage asks of the hashing: from its source if it tells, else imported."""
    backend = app_backend(settings)
    if not backend or backend.startswith(_KNOWN_PREFIXES):
        return AppHashing(backend)
    found = _FOUND.get(backend)
    if found is None:
        found = _from_source(backend) or _imported(backend)
        if found.problem is None:  # an import that failed before django.setup() may not after
            _FOUND[backend] = found
    return found


#: What each app class asks, once per process: the fingerprint, the build's storage and the
#: incremental collect all ask.
_FOUND: dict[str, AppHashing] = {}


def _imported(backend: str) -> AppHashing:
    from django.utils.module_loading import import_string  # lazy: only for the app's own class

    try:
        storage_class = import_string(backend)
    except Exception as exc:  # the app's module: anything may fail while importing it
        return AppHashing(backend, problem=f"{type(exc).__name__}: {exc}")
    return hashing_of(backend, storage_class)


def _from_source(backend: str) -> AppHashing | None:
    from django.contrib.staticfiles.storage import HashedFilesMixin  # lazy: see app_hashing

    module, _, class_name = backend.rpartition(".")
    try:
        spec = importlib.util.find_spec(module)  # imports the parent packages only
        path = spec.origin if spec is not None else None
        if not path or not path.endswith(".py"):
            return None
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except Exception:  # the app's package: anything may fail while importing it
        return None  # and the import says what
    defaults = {name: getattr(HashedFilesMixin, name) for name in CARRIED}
    found = hashing_source.read(class_name, source, defaults, HASHING_METHODS)
    return AppHashing(backend, *found) if found is not None else None


def hashing_of(backend: str, storage_class: type) -> AppHashing:
    """The carried attributes and overridden methods of ``storage_class`` (pure)."""
    from django.contrib.staticfiles.storage import HashedFilesMixin  # lazy: see app_hashing

    if not issubclass(storage_class, HashedFilesMixin):
        return AppHashing(backend)
    options = {
        name: getattr(storage_class, name)
        for name in CARRIED
        if getattr(storage_class, name) != getattr(HashedFilesMixin, name)
    }
    overrides = []
    for name in HASHING_METHODS:
        owner = next((k for k in storage_class.__mro__ if name in vars(k)), None)
        if owner is not None and not owner.__module__.startswith(_KNOWN_PREFIXES):
            overrides.append(f"{owner.__qualname__}.{name}")
    return AppHashing(backend, options, overrides)


def patterns_digest(patterns: Any) -> str:
    """The app's own ``patterns`` (regular expressions and templates), by their SHA-256."""
    return "sha256:" + hashlib.sha256(repr(patterns).encode()).hexdigest()


def warn_about(hashing: AppHashing) -> None:
    """Say, in the build's log, what of the app's storage class the build cannot honour."""
    from .. import output  # lazy: the build's log, in the app's process

    if hashing.problem:
        output.warn(
            f"STORAGES['staticfiles'] names {hashing.backend}, which cannot be imported "
            f"({hashing.problem}).",
            [
                "The build hashes as Django's ManifestStaticFilesStorage does. Fix the import if",
                "the class changes the hashing (support_js_module_import_aggregation, say).",
            ],
        )
    if hashing.overrides:
        output.warn(
            f"STORAGES['staticfiles'] ({hashing.backend}) overrides "
            f"{', '.join(hashing.overrides)}, which the build does not run.",
            [
                "It hashes as Django's ManifestStaticFilesStorage does, with the class's own",
                f"{', '.join(CARRIED)}; pages link to the names it gives.",
                "Do that work before collectstatic (a django-pipeline compiler, a build step),",
                "or leave it if it only changes how the names look.",
            ],
        )
