"""How each collected file is stored: as collected or gzip-compressed, and what the bucket has.

A name in the bucket keeps its form (hashed names are never overwritten), so switching compression
never fails a build or re-uploads.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..format.static_cache import StaticObject
from ..s3.compare import Difference, etags_are_md5s
from ..s3.content_types import compressible
from ..s3.encoding import GZIP, MAX_COMPRESS_BYTES, stored_form
from ..s3.types import RemoteObject
from .collected_files import CollectedFiles


@dataclass
class Plan:
    #: Names the bucket holds in a known form: the static cache's record of each.
    present: dict[str, StaticObject] = field(default_factory=dict)
    #: Names to upload, with the collected file's record.
    uploads: dict[str, StaticObject] = field(default_factory=dict)
    #: Of ``uploads``, those to store compressed when it pays.
    compress: set[str] = field(default_factory=set)
    #: Hashed names the bucket holds with other content (never overwritten).
    conflicts: list[Difference] = field(default_factory=list)
    #: Files compressed to compare them with an object the static cache did not describe.
    checked: int = 0


def plan(
    collected: Mapping[str, StaticObject],
    committed: Mapping[str, StaticObject] | None,
    inventory: Mapping[str, RemoteObject],
    key: Callable[[str], str],
    compression: str,
    immutable: set[str],
    files: CollectedFiles,
) -> Plan:
    """Decide, for every collected file, the form recorded and whether it is uploaded."""
    known = _known_gzip_forms(collected, committed or {})
    trust_md5 = etags_are_md5s(collected, inventory, key) or etags_are_md5s(known, inventory, key)

    def matches(remote: RemoteObject, stored: StaticObject) -> bool:
        if remote.size != stored.size:
            return False
        return not trust_md5 or remote.md5 is None or remote.md5 == stored.md5

    result = Plan()
    unsure: dict[str, RemoteObject] = {}
    for name in sorted(collected):
        wanted, remote = collected[name], inventory.get(key(name))
        if remote is None:
            result.uploads[name] = wanted
        elif matches(remote, wanted):
            result.present[name] = wanted
        elif name in known and matches(remote, known[name]):
            result.present[name] = known[name]
        elif wanted.encoding is None and compressible(name) and wanted.size <= MAX_COMPRESS_BYTES:
            unsure[name] = remote
        else:
            _differs(result, name, wanted, remote, immutable)
    found = _compressed_forms(files, collected, list(unsure))
    result.checked = len(unsure)
    for name, remote in unsure.items():
        gzip_form = found.get(name)
        if gzip_form is not None and matches(remote, gzip_form):
            result.present[name] = gzip_form
        else:
            _differs(result, name, collected[name], remote, immutable)
    if compression == GZIP:
        result.compress = {name for name in result.uploads if compressible(name)}
    return result


def _differs(
    result: Plan, name: str, wanted: StaticObject, remote: RemoteObject, immutable: set[str]
) -> None:
    if name in immutable:
        reason = "size" if remote.size != wanted.size else "md5"
        result.conflicts.append(Difference(name, reason))
    else:
        result.uploads[name] = wanted


def _known_gzip_forms(
    collected: Mapping[str, StaticObject], committed: Mapping[str, StaticObject]
) -> dict[str, StaticObject]:
    """The gzip forms the static cache records for files whose decoded bytes are unchanged."""
    known = {}
    for name, wanted in collected.items():
        before = committed.get(name)
        if (
            before is not None
            and before.encoding == GZIP
            and wanted.integrity is not None
            and before.integrity == wanted.integrity
        ):
            known[name] = before
    return known


def _compressed_forms(
    files: CollectedFiles, collected: Mapping[str, StaticObject], names: list[str]
) -> dict[str, StaticObject]:
    """The gzip form each file would be stored in (absent when gzip does not pay)."""

    def compress(name: str) -> StaticObject | None:
        try:
            body, encoding = stored_form(files.read(name, collected[name].size))
        except FileNotFoundError:  # an entry carried over from the static cache, no file
            return None
        if encoding is None:
            return None
        md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return StaticObject(len(body), md5, encoding, collected[name].integrity)

    if not names:
        return {}
    with concurrent.futures.ThreadPoolExecutor(min(len(names), os.cpu_count() or 2)) as pool:
        forms = dict(zip(names, pool.map(compress, names), strict=True))
    return {name: form for name, form in forms.items() if form is not None}
