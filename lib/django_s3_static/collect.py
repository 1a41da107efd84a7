"""The app side of the build, run as a child process with the app's settings and config vars.

``python -m django_s3_static.collect --result FILE [--collect-to DIR]`` sets Django up with the
app's own settings, fingerprints every file the staticfiles finders return, and, when asked, runs
``collectstatic`` into a temporary folder with Django's manifest hashing. It reports to the build
through a private JSON file, never through its output, so secrets in settings are never printed.
A child process keeps the app's imports, settings and crashes out of the build's own process.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import traceback
from collections.abc import Iterable
from typing import Any

from . import finders, output
from .config import SECRET_SETTINGS, is_true, values_from_settings
from .errors import BuildError
from .fingerprint import file_sha256, fingerprint
from .paths import name_problem

MANIFEST_NAME = "staticfiles.json"


USAGE = (
    "usage: python -m django_s3_static.collect --result FILE [--collect-to DIR] [--committed FILE]"
)


def main(argv: list[str] | None = None) -> int:
    options = _options(sys.argv[1:] if argv is None else argv)
    for name in SECRET_SETTINGS:
        output.register_secret(os.environ.get(name))
    try:
        report = run(options.get("--collect-to"), _committed(options.get("--committed")))
    except BuildError as exc:
        output.error(exc.title, exc.details)
        return exc.exit_code
    descriptor = os.open(options["--result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return 0


def _options(argv: list[str]) -> dict[str, str]:
    """The build's private command line (importing argparse would add 10 ms to every build)."""
    names = argv[::2]
    if len(argv) % 2 or "--result" not in names:
        raise SystemExit(USAGE)
    if not set(names) <= {"--result", "--collect-to", "--committed"}:
        raise SystemExit(USAGE)
    return dict(zip(names, argv[1::2], strict=True))


def _committed(path: str | None) -> dict | None:
    """The committed cache's fingerprint and finders record, if it has both and they check out."""
    if not path:
        return None
    from .static_cache import CacheError, load_sources_record

    try:
        fingerprint, recorded = load_sources_record(path)
    except CacheError:
        return None  # the build reports why, from its own reading
    if recorded is None:
        return None
    return {"fingerprint": fingerprint, "finders": recorded}


def run(collect_to: str | None, expected: dict | None = None) -> dict:
    """Fingerprint the sources (and collect them when asked).

    With ``expected`` (the committed cache's fingerprint and finders record), first try with
    the settings alone: if the recorded folders still hold and their files give the committed
    fingerprint, the sources are unchanged and no app is imported. Otherwise, or when that
    cannot be vouched for, Django starts as usual and its finders decide.
    """
    settings = _load_settings(collect_to)
    report: dict = {"settings": values_from_settings(settings)}
    if expected and expected.get("finders") and not collect_to:
        listing = finders.listed_files(settings, expected["finders"])
        if listing is not None:
            names = {app["name"] for app in expected["finders"]["apps"]}
            sources = fingerprint_sources(listing)
            found = fingerprint(sources, fingerprint_context(settings, names))
            if found == expected.get("fingerprint"):
                report.update(fingerprint=found, sources=len(sources), settings_only=True)
                return report
    _start_django()
    found, count, recorded = registry_fingerprint(settings)
    report.update(fingerprint=found, sources=count, finders=recorded)
    if collect_to:
        report["collected"] = _collect(collect_to)
    return report


def registry_fingerprint(settings) -> tuple[str, int, dict | None]:
    """The fingerprint as Django's finders see the sources (after ``django.setup()``), the number
    of sources, and the finders record that lets the next build check it with the settings alone.
    """
    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore = apps.get_app_config("staticfiles").ignore_patterns
    sources = fingerprint_sources(
        (path, storage) for finder in get_finders() for path, storage in finder.list(ignore)
    )
    app_configs = list(apps.get_app_configs())
    context = fingerprint_context(settings, {app.name for app in app_configs})
    recorded = finders.record(settings, app_configs, list(ignore))
    return fingerprint(sources, context), len(sources), recorded


def _load_settings(collect_to: str | None):
    """Import the app's settings (and point collectstatic at the build's folder and storage)."""
    with _settings_errors():
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module now, to report errors
        if collect_to:
            settings.STATIC_ROOT = collect_to
            storages = dict(settings.STORAGES)
            storages["staticfiles"] = {"BACKEND": "django_s3_static.buildstorage.BuildStorage"}
            settings.STORAGES = storages
    return settings


def _start_django() -> None:
    with _settings_errors():
        import django

        django.setup()


@contextlib.contextmanager
def _settings_errors():
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    try:
        yield
    except ImportError as exc:
        _print_traceback()
        raise BuildError(
            f"The settings module {module!r} cannot be imported: {exc}",
            "Check that DJANGO_SETTINGS_MODULE (or manage.py) names the right module, that",
            "requirements.txt lists every package the settings import, and that every config var",
            "the settings read is set (heroku config).",
        ) from None
    except Exception as exc:
        _print_traceback()
        raise BuildError(
            f"The settings module {module!r} failed to load: {type(exc).__name__}: {exc}",
            "The traceback above shows where. Settings often read config vars at build time:",
            "set the missing one with heroku config:set NAME=value.",
        ) from None


def fingerprint_sources(listing: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(name, content SHA-256) of every file listed, the first finder winning as collectstatic
    does; BuildError naming every file that must not be published."""
    seen: dict[str, str] = {}
    refused: list[str] = []
    roots = _Roots()
    for path, storage in listing:
        prefix = getattr(storage, "prefix", None)
        name = f"{prefix}/{path}" if prefix else path
        if name in seen:
            continue
        problem = source_problem(storage, path, name, roots)
        if problem:
            refused.append(problem)
            continue
        seen[name] = _content_hash(storage, path)
    if refused:
        raise BuildError(
            f"{len(refused)} static file{'s' * (len(refused) != 1)} cannot be published:",
            *refused[:20],
            *([f"  ... and {len(refused) - 20} more"] if len(refused) > 20 else []),
            "Static files become public S3 objects named after their paths: rename or replace",
            "these (a link may only point inside its static folder or the app).",
        )
    return sorted(seen.items())


#: Content hashes by file, for this process: when the settings-only check finds the sources
#: changed, Django's finders list the same files again, and hashing them twice cost a second and
#: a half on a 10,000-file project.
_HASHES: dict[str, str] = {}


def _content_hash(storage, path: str) -> str:
    location = storage.path(path) if getattr(storage, "location", None) else None
    digest = _HASHES.get(location) if location else None
    if digest is None:
        with storage.open(path) as handle:
            digest = file_sha256(handle)
        if location:
            _HASHES[location] = digest
    return digest


def fingerprint_context(settings, app_names: set[str]) -> dict:
    """The settings and versions that shape collectstatic's output besides the sources."""
    import django

    pipeline = "pipeline" in app_names
    return {
        "django": django.get_version(),
        "pipeline": _pipeline_version() if pipeline else None,
        "PIPELINE": getattr(settings, "PIPELINE", None) if pipeline else None,
        "strict_references": is_true(os.environ.get("DJANGO_S3_STATIC_STRICT_REFERENCES")),
    }


class _Roots:
    """The real folders a source file may be in: its static folder, or the app (the cwd).

    Resolved once per folder, not once per file: a large tree has thousands of files in a few
    folders, and each realpath() is a system call per path component.
    """

    def __init__(self) -> None:
        self.app = os.path.realpath(os.getcwd()) + os.sep
        self._folders: dict[str, str] = {}
        self._parents: dict[str, str] = {}

    def allow(self, location: str, real: str) -> bool:
        folder = self._folders.get(location)
        if folder is None:
            folder = self._folders[location] = os.path.realpath(location) + os.sep
        return real.startswith(folder) or real.startswith(self.app)

    def real(self, path: str) -> str:
        """``os.path.realpath(path)``, resolving each folder once: a file that is not itself a
        link is its real folder plus its name, which costs one ``lstat`` instead of one per
        path component."""
        parent, name = os.path.split(path)
        real_parent = self._parents.get(parent)
        if real_parent is None:
            real_parent = self._parents[parent] = os.path.realpath(parent)
        if os.path.islink(path):
            return os.path.realpath(path)
        return os.path.join(real_parent, name)


def source_problem(storage, path: str, name: str, roots: _Roots) -> str | None:
    """Why a source file a finder returned must not be published, or None.

    Its name must be a safe S3 key (valid UTF-8, no control character, ...), and the file must
    really be inside the static folder it was found in, or inside the app: Django's finders
    follow symbolic links, and a link to /etc, to /proc/self/environ or to another project would
    be uploaded to a public bucket.
    """
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    problem = name_problem(name)
    if problem:
        return f"  {shown}: the name {problem}"
    location = getattr(storage, "location", None)
    if location:
        real = roots.real(storage.path(path))
        if not roots.allow(location, real):
            return f"  {shown}: a link to {real}, outside {location} and the app"
    return None


def _pipeline_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("django-pipeline")
    except PackageNotFoundError:
        return "unknown"


def _collect(root: str) -> dict:
    from django.core.management import call_command

    from .buildstorage import PackagingError

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("collectstatic", interactive=False, verbosity=1, stdout=out, stderr=err)
    except PackagingError as exc:
        for line in exc.tool_output.splitlines():
            output.raw(line)
        raise BuildError(
            str(exc),
            "The tool's own message is above. Fix the source file, or the PIPELINE settings",
            "(compilers, compressors and their *_BINARY paths), then push again.",
        ) from None
    except Exception as exc:
        for line in err.getvalue().splitlines():
            output.raw(line)
        _print_traceback()
        raise BuildError(
            f"collectstatic failed: {type(exc).__name__}: {str(exc)[:500]}",
            "The traceback above shows where. Run 'python manage.py collectstatic --noinput'",
            "locally with the same settings to reproduce it.",
        ) from None
    for line in err.getvalue().splitlines():
        output.raw(line)
    from .buildstorage import missing_references

    return {
        "paths": _manifest_paths(root),
        "objects": _walk(root),
        "missing_references": missing_references(),
        "summary": out.getvalue().strip(),
    }


def _manifest_paths(root: str) -> dict[str, str]:
    with open(os.path.join(root, MANIFEST_NAME), encoding="utf-8") as handle:
        return json.load(handle)["paths"]


def _walk(root: str) -> dict[str, dict]:
    """Size and MD5 of every collected file, streamed (large files are never held in memory)."""
    objects = {}
    for folder, _dirs, files in os.walk(root):
        for filename in files:
            full = os.path.join(folder, filename)
            name = os.path.relpath(full, root).replace(os.sep, "/")
            if name == MANIFEST_NAME:
                continue
            digest = hashlib.md5(usedforsecurity=False)
            with open(full, "rb") as handle:
                for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
                    digest.update(chunk)
            objects[name] = {"size": os.path.getsize(full), "md5": digest.hexdigest()}
    return objects


def _print_traceback() -> None:
    for line in traceback.format_exc().splitlines():
        output.raw(line)


if __name__ == "__main__":
    sys.exit(main())
