"""The static cache's hashed names against today's sources, in the app's process, where the
sources are hashed (``format.hashed_names``): the fast path, ``bin/test-compile`` and
``verify_static`` all come through here.

A post-processed file's name is checked by running Django's ``_post_process`` on it once more from
the recorded manifest, the fixed point Django's passes reached; nothing is written.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..config import static_cache_dir
from ..format import hashed_names, names_memo, static_cache
from ..format.hashed_names import Recorded
from ..format.names_memo import Memo
from .sources import Hashed
from .written_settings import as_written, resolve_urls


@dataclass
class Committed:
    """The static cache the settings name, where the build reads it, as the check reads it:
    only when no memo of its bytes (``names_memo``) stands for the check."""

    path: str
    sha256: str | None  # of its bytes; None when it cannot be read
    memo: Memo | None = None  # the build cache's memo of exactly these bytes

    def recorded(self) -> Recorded | None:
        """What the check needs of it; None when it is not even shaped like a cache."""
        if self.sha256 is None:
            return None
        try:
            return hashed_names.recorded(static_cache.read_document(self.path))
        except static_cache.CacheError:
            return None


def committed(report_settings: Mapping[str, Any], memo_file: str | None = None) -> Committed:
    """The committed cache where the settings put it, with the memo of its bytes, if any."""
    path = static_cache.path_in(os.getcwd(), static_cache_dir({**os.environ, **report_settings}))
    try:
        digest = static_cache.read_sha256(path)
    except static_cache.CacheError:
        return Committed(path, None)
    return Committed(path, digest, read_memo(memo_file, digest))


def read_memo(memo_file: str | None, cache_sha256: str) -> Memo | None:
    """The memo in the build cache, if it is of exactly these bytes (``names_memo.of_bytes``)."""
    if not memo_file:
        return None
    try:
        with open(memo_file, encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return names_memo.of_bytes(found, cache_sha256, __version__)


def write_memo(memo_file: str, memo: Memo) -> None:
    """Keep the memo of a passed check in the build cache; a build cache that cannot keep it
    only costs the next build the check."""
    temporary = f"{memo_file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(memo_file), exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(names_memo.document(memo, __version__), handle)
        os.replace(temporary, memo_file)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)


def verify(
    settings: Any,
    context: Mapping[str, Any],
    listing: Callable[[], Mapping[str, tuple[Any, str]]],
    hashed: Hashed,
    cache: Committed,
    fingerprint: str,
    app_names: set[str],
    setup: bool,
    memo_file: str | None = None,
    rehash: Callable[[Collection[str]], Hashed] | None = None,
) -> dict | None:
    """The report on the committed cache's hashed names, for sources of this ``fingerprint``:
    from the memo when it stands for exactly these bytes and this fingerprint; else checked
    (``check``) when the cache's fingerprint is this one, and memoised when every name is tied.
    None when not checked (another fingerprint: the cache is stale anyway).

    ``hashed``: without MD5s when the cache has a memo (``hashing``); ``rehash(keep)`` hashes
    them again, with them, for a memo that does not stand for the check."""
    if names_memo.vouches(cache.memo, fingerprint):
        return {"cache_file": cache.path, "untied": [], "memo": True}
    recorded = cache.recorded()
    if recorded is None or recorded.fingerprint != fingerprint:
        return None
    if cache.memo is not None and rehash is not None:
        hashed = rehash(recorded.rewritten)
    untied = check(settings, context, listing(), hashed, recorded, app_names, setup)
    if not untied and memo_file and cache.sha256:
        try:
            _, finders = static_cache.load_sources_record(cache.path)
        except static_cache.CacheError:
            return {"cache_file": cache.path, "untied": untied}  # no memo of an unusable cache
        write_memo(memo_file, Memo(cache.sha256, fingerprint, finders))
    return {"cache_file": cache.path, "untied": untied}


def hashing(cache: Committed | None) -> tuple[Collection[str], bool]:
    """How the sources are hashed for the check of ``cache``: the names whose bytes it keeps
    (those post-processing rewrote) and whether with MD5s; neither when a memo of its bytes may
    stand for it (``verify`` hashes again if it does not)."""
    if cache is None or cache.memo is not None:
        return (), cache is None
    recorded = cache.recorded()
    return (recorded.rewritten if recorded else ()), True


def check(
    settings: Any,
    context: Mapping[str, Any],
    listing: Mapping[str, tuple[Any, str]],
    hashed: Hashed,
    recorded: Recorded,
    app_names: set[str],
    setup: bool,
) -> list[str]:
    """Every source whose recorded hashed name is not today's (``hashed_names.untied``).

    ``listing``: name -> (storage, path) of every source, as collectstatic finds them;
    ``setup``: whether ``django.setup()`` ran (if not, the URL settings are resolved as it would).
    """
    skip = set(recorded.generated)
    if "pipeline" in app_names:
        skip.update(pipeline_outputs(settings))
    candidates = hashed_names.unproven(recorded.paths, hashed.md5s, skip)
    rewritten = {}
    if candidates:
        if not setup:
            resolve_urls(settings)
        rewritten = post_processed(settings, context, listing, hashed.kept, recorded, candidates)
    return hashed_names.untied(recorded.paths, hashed.md5s, rewritten, skip)


def post_processed(
    settings: Any,
    context: Mapping[str, Any],
    listing: Mapping[str, tuple[Any, str]],
    kept: Mapping[str, bytes],
    recorded: Recorded,
    names: list[str],
) -> dict[str, str]:
    """The hashed name Django's post-processing gives each of ``names`` it rewrites, with the
    recorded manifest; a file it does not rewrite, or cannot process, is left out."""
    from .storage import reset_records  # lazy: Django's storages, only when needed

    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="django-s3-static-names-") as nowhere:
        try:
            with _static_url(settings, context):
                storage = _checking_storage(nowhere, listing, kept)
                _rewritten(storage, recorded.paths, names, found)
        except Exception:  # the app's storage or a file: what is left stays unproven, untrusted
            pass
        finally:
            reset_records()  # its notes are for a collect, and this is none
    return found


def _rewritten(
    storage: Any, paths: Mapping[str, str], names: list[str], found: dict[str, str]
) -> None:
    """Django's ``_post_process`` of ``names`` (those its patterns adjust), one pass from the
    recorded manifest; each name it gives into ``found``."""
    from django.contrib.staticfiles.utils import matches_patterns  # lazy: as above

    adjustable = [name for name in names if matches_patterns(name, storage._patterns)]
    hashed_files = {storage.hash_key(storage.clean_name(k)): v for k, v in paths.items()}
    process = {name: (storage, name) for name in adjustable}
    for name, hashed, processed, _ in storage._post_process(process, adjustable, hashed_files):
        if hashed is not None and not isinstance(processed, Exception):
            found[name] = hashed


def _checking_storage(location: str, listing: Mapping, kept: Mapping[str, bytes]) -> Any:
    """The build's storage, reading the sources (the kept bytes first) and writing nothing."""
    from django.contrib.staticfiles.storage import HashedFilesMixin  # lazy: as above
    from django.core.files.base import ContentFile  # lazy: as above

    from .storage import TolerantManifestStorage  # lazy: as above

    class CheckingStorage(TolerantManifestStorage):
        def exists(self, name: str) -> bool:
            return name in listing

        def open(self, name: str, mode: str = "rb") -> Any:
            if name in kept:
                return ContentFile(kept[name], name)
            if name not in listing:
                raise FileNotFoundError(name)  # Django's manifest reading expects it
            storage, path = listing[name]
            return storage.open(path, mode)

        def _save(self, name: str, content: Any) -> str:
            return name

        def delete(self, name: str) -> None:
            return None

        def _stored_name(self, name: str, hashed_files: Any) -> str:
            return HashedFilesMixin._stored_name(self, name, hashed_files)  # nothing noted

    return CheckingStorage(location=location)


@contextlib.contextmanager
def _static_url(settings: Any, context: Mapping[str, Any]) -> Iterator[None]:
    """``STATIC_URL`` as the publish's post-processing saw it, which the fingerprint records
    (``sources.post_processing_static_url``): the dyno's snippet may have replaced it since.
    None there means a full URL, under which post-processing rewrites no absolute path."""
    url = context.get("STATIC_URL")
    if url is None:
        yield
        return
    before = as_written(settings).STATIC_URL
    settings.STATIC_URL = url
    try:
        yield
    finally:
        settings.STATIC_URL = before


def pipeline_outputs(settings: Any) -> list[str]:
    """The ``output_filename`` of every django-pipeline package, as its settings define them."""
    groups = getattr(settings, "PIPELINE", None) or {}
    names = {
        package["output_filename"]
        for kind in ("STYLESHEETS", "JAVASCRIPT")
        for package in (groups.get(kind) or {}).values()
        if isinstance(package, dict) and isinstance(package.get("output_filename"), str)
    }
    return sorted(names)
