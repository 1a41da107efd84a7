"""The build's work in the app's own process: fingerprint the sources, collect when asked.

A child process keeps the app's imports and crashes out of the helper; it reports through a private
JSON file, so secrets in settings are never printed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
from typing import Any, NamedTuple

from .. import output
from ..config import SECRET_SETTINGS, static_cache_dir, values_from_settings
from ..errors import S3StaticError
from ..format import incremental_record, static_cache
from ..format.finders_record import SETUP_KEEPS_SETTINGS
from ..format.hashed_names import Recorded
from ..format.static_cache import CacheError, load_sources_record
from . import finders, name_check, template_tags
from .app_hashing import app_hashing, keep_app_backend, warn_about
from .fingerprint import fingerprint
from .folder import manifest_paths, walk
from .heroku_collectstatic import settings_facts
from .sources import fingerprint_context, hash_sources, source_roots
from .written_settings import resolve_urls

BUILD_STORAGE = "django_s3_static.collect.pack.BuildStorage"


USAGE = (
    "usage: python -m django_s3_static.collect.collect --result FILE [--collect-to DIR]"
    " [--committed FILE] [--incremental-to DIR]"
)
OPTIONS = {"--result", "--collect-to", "--committed", "--incremental-to"}


def main(argv: list[str] | None = None) -> int:
    options = _options(sys.argv[1:] if argv is None else argv)
    for name in SECRET_SETTINGS:
        output.register_secret(os.environ.get(name))
    try:
        report = run(
            options.get("--collect-to"),
            committed_record(options.get("--committed")),
            options.get("--incremental-to"),
        )
    except S3StaticError as exc:
        output.error(exc.title, exc.details)
        return exc.exit_code
    descriptor = os.open(options["--result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(report))  # one call to the C encoder: json.dump streams slowly
    return 0


def _options(argv: list[str]) -> dict[str, str]:
    """The private command line (argparse's import would cost more than this parsing)."""
    names = argv[::2]
    if len(argv) % 2 or "--result" not in names:
        raise SystemExit(USAGE)
    if not set(names) <= OPTIONS:
        raise SystemExit(USAGE)
    return dict(zip(names, argv[1::2], strict=True))


def committed_record(path: str | None) -> dict | None:
    """The static cache's fingerprint and finders record, if it has both and they check out."""
    if not path:
        return None
    try:
        fingerprint, recorded = load_sources_record(path)
    except CacheError:
        return None  # the build reports why, from its own reading
    if recorded is None:
        return None
    return {"fingerprint": fingerprint, "finders": recorded}


def run(
    collect_to: str | None, expected: dict | None = None, incremental_to: str | None = None
) -> dict:
    """Fingerprint the sources (with the settings alone when they allow); collect when asked."""
    settings = _load_settings(collect_to)
    report: dict = {"settings": values_from_settings(settings)}
    committed: tuple[str, Recorded | None] = ("", None)
    if not collect_to:  # the app's own STATIC_ROOT, which heroku/python's collectstatic fills
        report["heroku_python"] = settings_facts(settings)
        committed = name_check.committed(report["settings"])
    finders_recorded = expected and expected.get("finders") and not collect_to
    if finders_recorded and _without_setup(settings, expected, report, incremental_to, committed):
        return report
    before = finders.static_settings(settings)
    start_django()
    found = registry_fingerprint(
        settings, finders.static_settings(settings) == before, committed[1]
    )
    report.update(
        fingerprint=found.fingerprint,
        sources=found.sources,
        finders=found.finders,
        context=found.context,
        source_roots=found.roots,
    )
    if found.untied is not None:
        report["names"] = {"cache_file": committed[0], "untied": found.untied}
    from django.apps import apps  # lazy: Django, after django.setup()

    paths = [app.path for app in apps.get_app_configs()]
    if collect_to:
        warn_about(app_hashing(settings))
        report["collected"] = _collect(collect_to, found)
        report["integrity_tags"] = template_tags.uses_integrity(settings, paths)
    elif incremental_to:
        pipeline = apps.is_installed("pipeline")
        listing, digests = found.listing, found.digests
        _collect_changes(settings, report, listing, digests, incremental_to, pipeline, paths)
    return report


def _without_setup(
    settings,
    expected: dict,
    report: dict,
    incremental_to: str | None,
    committed: tuple[str, Recorded | None],
) -> bool:
    """Whether the report is complete with the settings alone, the registry unasked.

    A change is collected from the recorded listing only if ``django.setup()`` changes no static
    setting and nothing needs the registry (django-pipeline does). With the committed cache's
    fingerprint, its hashed names are checked against the sources too (``name_check``).
    """
    recorded = expected["finders"]
    listing, vouched = finders.listed_files(settings, recorded)
    if listing is None:
        report["record_gap"] = vouched.as_dict()  # the build says why Django started
        return False
    listed = list(listing)
    names = {app["name"] for app in vouched.apps}
    cache_file, kept = committed
    hashed = hash_sources(listed, kept.rewritten if kept else ())
    sources = hashed.digests
    context = fingerprint_context(settings, names)
    found = fingerprint(sources, context)
    if found == expected.get("fingerprint"):
        report.update(fingerprint=found, sources=len(sources), settings_only=True, context=context)
        report["source_roots"] = source_roots(listed)
        if kept is not None and kept.fingerprint == found:
            listing = _first_found(listed)
            untied = name_check.check(settings, context, listing, hashed, kept, names, False)
            report["names"] = {"cache_file": cache_file, "untied": untied}
        return True
    if not incremental_to or _needs_setup(settings, recorded, names):
        return False  # the record vouches for the folders: nothing for the build to say
    report.update(
        fingerprint=found, sources=len(sources), finders=recorded, context=context, setup=False
    )
    resolve_urls(settings)  # with the script prefix django.setup() would set
    paths = [folder for _name, folder in vouched.folders]
    _collect_changes(settings, report, _first_found(listed), sources, incremental_to, False, paths)
    return True


def _collect_changes(
    settings,
    report: dict,
    listing: dict[str, tuple[Any, str]],
    digests: list[tuple[str, str]],
    root: str,
    pipeline: bool,
    app_paths: list[str],
) -> None:
    """Collect into ``root`` what changed since the static cache the settings name, and tell
    whether the templates render integrity (the build then checks the bucket's CORS rules)."""
    changed = _changed_since(settings, report)
    if changed:
        from .incremental import collect_changes  # lazy: only when something changed

        report["incremental"] = collect_changes(
            settings, listing, dict(digests), report["context"], changed, root, pipeline
        )
        report["integrity_tags"] = template_tags.uses_integrity(settings, app_paths)


def _needs_setup(settings, recorded: dict, names: set[str]) -> bool:
    """Whether an incremental collect of a change needs ``django.setup()`` after all."""
    return (
        not recorded.get(SETUP_KEEPS_SETTINGS)  # a record written before it was checked
        # What setup kept was seen with the recorded apps: another list may import others.
        or list(settings.INSTALLED_APPS) != recorded["installed_apps"]
        or "pipeline" in names  # django-pipeline reads its packages through the registry
        # The app's storage class (read from its source, else imported) may import only
        # after django.setup().
        or app_hashing(settings).problem is not None
    )


def _changed_since(settings, report: dict) -> str | None:
    """The static cache the settings name (they may move it), if the sources differ from it."""
    values = {**os.environ, **report["settings"]}
    path = static_cache.path_in(os.getcwd(), static_cache_dir(values))
    try:
        fingerprint, _ = load_sources_record(path)
    except CacheError:
        return None  # the build says why, and collects everything
    return path if fingerprint != report["fingerprint"] else None


class Fingerprinted(NamedTuple):
    """The sources as Django's finders see them, and what the static cache records of them."""

    fingerprint: str
    sources: int  # how many files the finders return
    finders: dict | None  # the record for the settings-only check (``finders.record``)
    context: dict  # what else shapes the output (``sources.fingerprint_context``)
    digests: list[tuple[str, str]]  # (name, SHA-256) of every source
    listing: dict[str, tuple]  # name -> (storage, path), as collectstatic finds them
    roots: list[list[str]] | None  # the folders they are in (``sources.source_roots``)
    #: The committed cache's hashed names not of these sources (``name_check``); None when
    #: not checked (no cache given, or another fingerprint).
    untied: list[str] | None = None


def registry_fingerprint(
    settings, setup_kept: bool = False, committed: Recorded | None = None
) -> Fingerprinted:
    """The fingerprint and finders record as Django's finders see the sources; with the
    ``committed`` cache's record, its hashed names are checked too when the fingerprints agree."""
    from django.apps import apps  # lazy: Django, imported once the app's settings are read
    from django.contrib.staticfiles.finders import get_finders  # lazy: as above

    ignore = finders.collectstatic_ignore_patterns(apps.get_app_config("staticfiles"))
    listed = [(path, storage) for finder in get_finders() for path, storage in finder.list(ignore)]
    hashed = hash_sources(listed, committed.rewritten if committed else ())
    sources = hashed.digests
    app_configs = list(apps.get_app_configs())
    names = {app.name for app in app_configs}
    context = fingerprint_context(settings, names)
    recorded = finders.record(settings, app_configs, ignore, setup_kept)
    found = fingerprint(sources, context)
    listing = _first_found(listed)
    untied = None
    if committed is not None and committed.fingerprint == found:
        untied = name_check.check(settings, context, listing, hashed, committed, names, True)
    roots = source_roots(listed)
    return Fingerprinted(found, len(sources), recorded, context, sources, listing, roots, untied)


def _first_found(listed: list[tuple[str, Any]]) -> dict[str, tuple[Any, str]]:
    """name -> (storage, path) of every source, the first finder winning as in collectstatic."""
    listing: dict[str, tuple[Any, str]] = {}
    for path, storage in listed:
        prefix = getattr(storage, "prefix", None)
        listing.setdefault(f"{prefix}/{path}" if prefix else path, (storage, path))
    return listing


def _load_settings(collect_to: str | None):
    """Import the app's settings (pointing collectstatic at the build's folder and storage)."""
    with _settings_errors():
        from django.conf import settings  # lazy: reading it runs the app's settings module

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module now, to report errors
        if collect_to:
            settings.STATIC_ROOT = collect_to
            keep_app_backend(settings)
            storages = dict(settings.STORAGES)
            storages["staticfiles"] = {"BACKEND": BUILD_STORAGE}
            settings.STORAGES = storages
            _without_uploading_collectstatic(settings)
    return settings


#: Apps whose ``collectstatic`` uploads to S3 itself, and the switch each documents to turn that
#: off (https://github.com/jasongi/collectfasta#usage; collectfast reads COLLECTFAST_ENABLED):
#: the build collects into a folder, where their strategy would expect an S3 storage.
UPLOADING_COLLECTSTATIC = {
    "collectfasta": "COLLECTFASTA_ENABLED",
    "collectfast": "COLLECTFAST_ENABLED",
}


def _without_uploading_collectstatic(settings) -> None:
    installed = {str(app).split(".")[0] for app in settings.INSTALLED_APPS}
    for app, switch in UPLOADING_COLLECTSTATIC.items():
        if app in installed:
            setattr(settings, switch, False)
            output.info(
                f"{app} is in INSTALLED_APPS: the build's collectstatic runs with {switch}=False "
                "(it uploads afterwards, only what the bucket lacks); you can remove it"
            )


def start_django() -> None:
    with _settings_errors():
        import django  # lazy: the settings-only check does without django.setup()

        django.setup()


@contextlib.contextmanager
def _settings_errors():
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    try:
        yield
    except ImportError as exc:
        _print_traceback()
        raise S3StaticError(
            f"The settings module {module!r} cannot be imported: {exc}",
            "Check that DJANGO_SETTINGS_MODULE (or manage.py) names the right module, that",
            "the app's dependencies (requirements.txt, uv.lock, poetry.lock or Pipfile.lock) hold",
            "every package the settings import, and that every config var",
            "the settings read is set (heroku config).",
        ) from None
    except Exception as exc:
        _print_traceback()
        raise S3StaticError(
            f"The settings module {module!r} failed to load: {type(exc).__name__}: {exc}",
            "The traceback above shows where. Settings often read config vars at build time:",
            "set the missing one with heroku config:set NAME=value.",
        ) from None


def _collect(root: str, found: Fingerprinted) -> dict:
    from django.apps import apps  # lazy: Django, after django.setup()
    from django.core.management import call_command  # lazy: as above

    from .storage import (  # lazy: a storage built from the ready app registry
        PackagingError,
        records,
        reset_records,
    )

    reset_records()

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("collectstatic", interactive=False, verbosity=1, stdout=out, stderr=err)
    except PackagingError as exc:
        for line in exc.tool_output.splitlines():
            output.raw(line)
        raise S3StaticError(
            str(exc),
            "The tool's own message is above. Fix the source file, or the PIPELINE settings",
            "(compilers, compressors and their *_BINARY paths), then push again.",
        ) from None
    except Exception as exc:
        for line in err.getvalue().splitlines():
            output.raw(line)
        _print_traceback()
        raise S3StaticError(
            f"collectstatic failed: {type(exc).__name__}: {str(exc)[:500]}",
            "The traceback above shows where. Run 'python manage.py collectstatic --noinput'",
            "locally with the same settings to reproduce it.",
        ) from None
    for line in err.getvalue().splitlines():
        output.raw(line)
    from django.contrib.staticfiles.storage import staticfiles_storage  # lazy: as above

    from .pack import PackMixin  # lazy: as above
    from .storage import missing_references  # lazy: as above

    if isinstance(staticfiles_storage, PackMixin):
        written = staticfiles_storage.collected()
    else:
        written = {"paths": manifest_paths(root), "objects": walk(root)}
    return {
        **written,
        "missing_references": missing_references(),
        "summary": out.getvalue().strip(),
        "incremental": {
            "digests": {name: incremental_record.digest(sha) for name, sha in found.digests},
            **records(apps.is_installed("pipeline")),
        },
    }


def _print_traceback() -> None:
    for line in traceback.format_exc().splitlines():
        output.raw(line)


if __name__ == "__main__":
    sys.exit(main())
