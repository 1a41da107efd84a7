"""The app side of the build, run as a child process with the app's settings and config vars.

``python -m django_s3_static.collect --result FILE [--collect-to DIR]`` sets Django up with the
app's own settings, fingerprints every file the staticfiles finders return, and, when asked, runs
``collectstatic`` into a temporary folder with Django's manifest hashing. It reports to the build
through a private JSON file, never through its output, so secrets in settings are never printed.
A child process keeps the app's imports, settings and crashes out of the build's own process.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import traceback

from . import output
from .config import SECRET_SETTINGS, is_true, values_from_settings
from .errors import BuildError
from .fingerprint import file_sha256, fingerprint
from .paths import name_problem

MANIFEST_NAME = "staticfiles.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="django_s3_static.collect")
    parser.add_argument("--result", required=True)
    parser.add_argument("--collect-to")
    args = parser.parse_args(argv)
    for name in SECRET_SETTINGS:
        output.register_secret(os.environ.get(name))
    try:
        report = run(args.collect_to)
    except BuildError as exc:
        output.error(exc.title, exc.details)
        return exc.exit_code
    descriptor = os.open(args.result, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return 0


def run(collect_to: str | None) -> dict:
    settings = _setup(collect_to)
    report: dict = {"settings": values_from_settings(settings)}
    sources, context = source_fingerprint_inputs(settings)
    report["fingerprint"] = fingerprint(sources, context)
    report["sources"] = len(sources)
    if collect_to:
        report["collected"] = _collect(collect_to)
    return report


def _setup(collect_to: str | None):
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    try:
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module now, to report errors
        if collect_to:
            settings.STATIC_ROOT = collect_to
            storages = dict(settings.STORAGES)
            storages["staticfiles"] = {"BACKEND": "django_s3_static.buildstorage.BuildStorage"}
            settings.STORAGES = storages
        django.setup()
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
    return settings


def source_fingerprint_inputs(settings) -> tuple[list[tuple[str, str]], dict]:
    """Every source file the finders return (first finder wins, as collectstatic does)."""
    import django
    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore = apps.get_app_config("staticfiles").ignore_patterns
    seen: dict[str, str] = {}
    refused: list[str] = []
    roots = _Roots()
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name in seen:
                continue
            problem = source_problem(storage, path, name, roots)
            if problem:
                refused.append(problem)
                continue
            with storage.open(path) as handle:
                seen[name] = file_sha256(handle)
    if refused:
        raise BuildError(
            f"{len(refused)} static file{'s' * (len(refused) != 1)} cannot be published:",
            *refused[:20],
            *([f"  ... and {len(refused) - 20} more"] if len(refused) > 20 else []),
            "Static files become public S3 objects named after their paths: rename or replace",
            "these (a link may only point inside its static folder or the app).",
        )
    context = {
        "django": django.get_version(),
        "pipeline": _pipeline_version(),
        "PIPELINE": getattr(settings, "PIPELINE", None) if _uses_pipeline() else None,
        "strict_references": is_true(os.environ.get("DJANGO_S3_STATIC_STRICT_REFERENCES")),
    }
    return sorted(seen.items()), context


class _Roots:
    """The real folders a source file may be in: its static folder, or the app (the cwd).

    Resolved once per folder, not once per file: a large tree has thousands of files in a few
    folders, and each realpath() is a system call per path component.
    """

    def __init__(self) -> None:
        self.app = os.path.realpath(os.getcwd()) + os.sep
        self._folders: dict[str, str] = {}

    def allow(self, location: str, real: str) -> bool:
        folder = self._folders.get(location)
        if folder is None:
            folder = self._folders[location] = os.path.realpath(location) + os.sep
        return real.startswith(folder) or real.startswith(self.app)


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
        real = os.path.realpath(storage.path(path))
        if not roots.allow(location, real):
            return f"  {shown}: a link to {real}, outside {location} and the app"
    return None


def _uses_pipeline() -> bool:
    from django.apps import apps

    return apps.is_installed("pipeline")


def _pipeline_version() -> str | None:
    if not _uses_pipeline():
        return None
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
