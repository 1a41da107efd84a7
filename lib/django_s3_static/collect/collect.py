"""The build's work in the app's own process: fingerprint the sources, collect when asked.

A child process keeps the app's imports and crashes out of the helper; it reports through a private
JSON file, so secrets in settings are never printed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sys
from typing import Any, NamedTuple

from .. import output
from ..config import SECRET_SETTINGS, static_cache_dir, values_from_settings
from ..errors import S3StaticError
from ..format import incremental_record, static_cache
from ..format.finders_record import SETUP_KEEPS_SETTINGS
from ..format.hashed_names import Recorded
from ..format.static_cache import CacheError, load_sources_record
from . import finders, name_check, template_tags
from .app_hashing import app_hashing, warn_about
from .app_settings import load_settings, print_traceback, start_django
from .fingerprint import fingerprint
from .folder import manifest_paths, walk
from .heroku_collectstatic import settings_facts
from .name_check import Committed
from .sources import fingerprint_context, hash_sources, source_roots
from .written_settings import resolve_urls

USAGE = (
    "usage: python -m django_s3_static.collect.collect --result FILE [--collect-to DIR]"
    " [--committed FILE] [--incremental-to DIR] [--names-memo FILE]"
)
OPTIONS = {"--result", "--collect-to", "--committed", "--incremental-to", "--names-memo"}


def main(argv: list[str] | None = None) -> int:
    options = _options(sys.argv[1:] if argv is None else argv)
    for name in SECRET_SETTINGS:
        output.register_secret(os.environ.get(name))
    memo_file = options.get("--names-memo")
    try:
        report = run(
            options.get("--collect-to"),
            committed_record(options.get("--committed"), memo_file),
            options.get("--incremental-to"),
            memo_file,
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


def committed_record(path: str | None, memo_file: str | None = None) -> dict | None:
    """The static cache's fingerprint and finders record, if it has both and they check out;
    from the build cache's memo of exactly its bytes (``names_memo``), if there is one."""
    if not path:
        return None
    try:
        memo = name_check.read_memo(memo_file, static_cache.read_sha256(path))
        fingerprint, recorded = (
            (memo.fingerprint, memo.finders) if memo else load_sources_record(path)
        )
    except CacheError:
        return None  # the build reports why, from its own reading
    if recorded is None:
        return None
    found = {"fingerprint": fingerprint, "finders": recorded}
    return {**found, MEMO_OF: path} if memo else found


#: In ``committed_record``'s answer: the file whose memo gave it (not read itself).
MEMO_OF = "memo_of"


def run(
    collect_to: str | None,
    expected: dict | None = None,
    incremental_to: str | None = None,
    memo_file: str | None = None,
) -> dict:
    """Fingerprint the sources (with the settings alone when they allow); collect when asked.
    ``memo_file``: the build cache's memo of a names check (``name_check.verify``)."""
    settings = load_settings(collect_to)
    report: dict = {"settings": values_from_settings(settings)}
    cache: Committed | None = None
    if not collect_to:  # the app's own STATIC_ROOT, which heroku/python's collectstatic fills
        report["heroku_python"] = settings_facts(settings)
        cache = name_check.committed(report["settings"], memo_file)
    finders_recorded = expected and expected.get("finders") and not collect_to
    checking = (cache, memo_file)
    if finders_recorded and _without_setup(settings, expected, report, incremental_to, checking):
        return report
    before = finders.static_settings(settings)
    start_django()
    found = registry_fingerprint(
        settings, finders.static_settings(settings) == before, cache=cache, memo_file=memo_file
    )
    report.update(
        fingerprint=found.fingerprint,
        sources=found.sources,
        finders=found.finders,
        context=found.context,
        source_roots=found.roots,
    )
    if found.names is not None:
        report["names"] = found.names
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
    checking: tuple[Committed | None, str | None],
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
    cache, memo_file = checking
    keep, md5 = name_check.hashing(cache)
    hashed = hash_sources(listed, keep, md5=md5)
    sources = hashed.digests
    context = fingerprint_context(settings, names)
    found = fingerprint(sources, context)
    if found != expected["fingerprint"] and MEMO_OF in expected:
        # The sources changed, or the memo does not hold for its file: the file decides.
        own = committed_record(expected[MEMO_OF])
        if own != {key: value for key, value in expected.items() if key != MEMO_OF}:
            without = (dataclasses.replace(cache, memo=None) if cache else None, memo_file)
            return own is not None and _without_setup(
                settings, own, report, incremental_to, without
            )
    if found == expected["fingerprint"]:
        report.update(fingerprint=found, sources=len(sources), settings_only=True, context=context)
        report["source_roots"] = source_roots(listed)
        if cache is not None:
            checked = name_check.verify(
                settings, context, lambda: _first_found(listed), hashed, cache, found, names,
                False, memo_file, lambda keep: hash_sources(listed, keep),
            )  # fmt: skip
            if checked is not None:
                report["names"] = checked
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
    #: The report on them, for the cache the build reads (``name_check.verify``).
    names: dict | None = None


def registry_fingerprint(
    settings,
    setup_kept: bool = False,
    committed: Recorded | None = None,
    cache: Committed | None = None,
    memo_file: str | None = None,
) -> Fingerprinted:
    """The fingerprint and finders record as Django's finders see the sources; with the
    ``committed`` cache's record, its hashed names are checked too when the fingerprints agree.
    ``cache``: the committed cache the build reads, whose memo may stand for that check."""
    from django.apps import apps  # lazy: Django, imported once the app's settings are read
    from django.contrib.staticfiles.finders import get_finders  # lazy: as above

    ignore = finders.collectstatic_ignore_patterns(apps.get_app_config("staticfiles"))
    listed = [(path, storage) for finder in get_finders() for path, storage in finder.list(ignore)]
    if cache is not None:
        keep, md5 = name_check.hashing(cache)
    else:
        keep, md5 = (committed.rewritten if committed else ()), True
    hashed = hash_sources(listed, keep, md5=md5)
    sources = hashed.digests
    app_configs = list(apps.get_app_configs())
    names = {app.name for app in app_configs}
    context = fingerprint_context(settings, names)
    recorded = finders.record(settings, app_configs, ignore, setup_kept)
    found = fingerprint(sources, context)
    listing = _first_found(listed)
    untied, checked = None, None
    if cache is not None:
        checked = name_check.verify(
            settings, context, lambda: listing, hashed, cache, found, names, True, memo_file,
            lambda keep: hash_sources(listed, keep),
        )  # fmt: skip
        untied = checked["untied"] if checked else None
    elif committed is not None and committed.fingerprint == found:
        untied = name_check.check(settings, context, listing, hashed, committed, names, True)
    roots = source_roots(listed)
    return Fingerprinted(
        found, len(sources), recorded, context, sources, listing, roots, untied, checked
    )


def _first_found(listed: list[tuple[str, Any]]) -> dict[str, tuple[Any, str]]:
    """name -> (storage, path) of every source, the first finder winning as in collectstatic."""
    listing: dict[str, tuple[Any, str]] = {}
    for path, storage in listed:
        prefix = getattr(storage, "prefix", None)
        listing.setdefault(f"{prefix}/{path}" if prefix else path, (storage, path))
    return listing


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
        print_traceback()
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


if __name__ == "__main__":
    sys.exit(main())
