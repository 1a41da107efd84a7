"""The incremental collect, in the app's process: only what a change reaches, hashed by Django.

Anything it cannot reason about refuses with a one-line reason, and the build collects everything.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from typing import Any

from ..format import incremental_record, static_cache
from ..format.finders_record import APP_DIRECTORIES_FINDER, FILE_SYSTEM_FINDER
from . import incremental_plan
from .app_hashing import app_hashing
from .fingerprint import why_stale
from .folder import walk
from .reference_graph import reached, settling_problem
from .storage import records, reset_records

PIPELINE_FINDER = "pipeline.finders.PipelineFinder"
#: Finders whose files the incremental collect follows: Django's, and django-pipeline's own,
#: which lists nothing (its packages are built from the other finders' files).
KNOWN_FINDERS = frozenset({FILE_SYSTEM_FINDER, APP_DIRECTORIES_FINDER, PIPELINE_FINDER})


class Refused(Exception):
    """Why this change needs the full collect, in one line."""


def collect_changes(
    settings: Any,
    sources: Mapping[str, tuple[Any, str]],
    digests: Mapping[str, str],
    context: dict,
    committed_file: str,
    root: str,
    pipeline: bool,
) -> dict:
    """Collect what changed since ``committed_file`` into ``root``; the report for the build."""
    report: dict = {"cache_file": committed_file}
    try:
        report.update(_collect(settings, sources, digests, context, committed_file, root, pipeline))
    except Refused as exc:
        report["refused"] = str(exc)
    return report


def _collect(settings, sources, digests, context, committed_file, root, pipeline) -> dict:
    paths, objects, record = _committed(committed_file, context)
    unknown = sorted(set(settings.STATICFILES_FINDERS) - KNOWN_FINDERS)
    if unknown:
        raise Refused(f"STATICFILES_FINDERS has {unknown[0]}, whose files it cannot follow")
    hashing = app_hashing(settings)
    if hashing.overrides or hashing.problem:
        raise Refused(
            f"STORAGES['staticfiles'] ({hashing.backend}) "
            + (f"overrides {hashing.overrides[0]}" if hashing.overrides else "cannot be imported")
        )
    current = {name: incremental_record.digest(sha) for name, sha in digests.items()}
    changes = incremental_plan.changes(record["digests"], current)
    shutil.rmtree(root, ignore_errors=True)  # the build's own folder: only this build's files
    os.makedirs(root)
    from .incremental_storage import install  # lazy: a storage class, after django.setup()

    storage = install(root)
    storage.attach(sources)
    packages = _Packages(storage, record, sources, pipeline)  # globbing through the storage
    storage.add_folders(packages.outputs | packages.compiled)
    copied = {name for name in changes.changed + changes.added if name not in packages.outputs}
    for name in copied:  # (a package's output written over a source's copy is the package's)
        _copy(sources[name], os.path.join(root, name))
    rebuilt = packages.build(changes.names)
    present = set(sources) | packages.outputs
    start = (changes.names - packages.outputs) | rebuilt | packages.compiled
    process = reached(start, record["references"]) & present
    storage.on_demand = {name: packages.maker(name) for name in packages.outputs - rebuilt}
    for output in (process & packages.outputs) - rebuilt:
        storage.on_demand.pop(output)()
    unchanged = present - process
    absent = sorted(name for name in unchanged if not isinstance(paths.get(name), str))
    if absent:
        raise Refused(f"the committed cache has no hashed name for {absent[0]}")
    storage.preloaded = {name: paths[name] for name in unchanged}
    reset_records()
    failure = _post_process(storage, sources, process, packages.outputs)
    fresh = records(packages.enabled)
    references = incremental_plan.carried_references(
        record["references"], fresh["references"], process, present
    )
    problem = settling_problem(references, storage.max_post_process_passes)
    if problem or failure:
        raise Refused(problem or failure)
    manifest = dict(storage.hashed_files)
    _refuse_hashed_targets(references, set(manifest.values()) | set(paths.values()))
    produced = walk(root)
    try:
        _objects, dropped = incremental_plan.new_objects(
            set(sources) | packages.outputs | packages.compiled, manifest, produced, objects
        )
    except incremental_plan.Unvouched as exc:
        raise Refused(str(exc)) from None
    return {  # what differs from the static cache (``incremental_plan.merge``)
        "collected": {
            "paths": {name: manifest[name] for name in sorted(process)},
            "removed": sorted(set(changes.removed) - packages.outputs),
            "objects": produced,
            "dropped": dropped,
            "digests": {name: current[name] for name in changes.changed + changes.added},
            "removed_sources": changes.removed,
            "references": fresh["references"],
            "missing": fresh["missing"],
            "packages": packages.record(),
            # Where the unchanged sources are, should the bucket's copy of one differ.
            "sources": _files(sources, set(sources) - packages.outputs - copied),
        },
        "changes": changes.describe(),
        "reached": len(process),
        "removed": len(changes.removed),
    }


def _committed(path: str, context: dict) -> tuple[dict, dict, dict]:
    """The static cache's tables, only their shape checked: the helper checks the file fully."""
    try:
        document = static_cache.read_document(path)
    except static_cache.CacheError as exc:
        raise Refused(str(exc)) from None
    tables = [document.get(key) if isinstance(document, dict) else None for key in TABLES]
    if not all(isinstance(table, dict) for table in tables[:2]):
        raise Refused("the committed cache has no 'paths' or 'objects' table")
    paths, objects, section, built_with = tables
    if section is None:
        raise Refused(
            "the committed cache does not record what each file refers to "
            "(publish_static writes it)"
        )
    try:
        record = incremental_record.check(section, names=False)
    except incremental_record.RecordError as exc:
        raise Refused(str(exc)) from None
    if built_with != context:
        raise Refused(why_stale(built_with, context))
    return paths, objects, record


TABLES = ("paths", "objects", "incremental", "built_with")


def _refuse_hashed_targets(references: Mapping[str, list[str]], hashed: set[str]) -> None:
    """A reference to a hashed copy resolves only if collectstatic happened to write it first."""
    for name in sorted(references):
        found = sorted(hashed.intersection(references[name]))
        if found:
            raise Refused(f"{name} refers to {found[0]}, a hashed copy, not a source")


def _files(sources: Mapping[str, tuple[Any, str]], names: set[str]) -> dict[str, str]:
    """The file of each of these sources, for those a file system storage holds."""
    found = {}
    for name in names:
        storage, path = sources[name]
        location = getattr(storage, "location", None)
        if location:  # a checked name below its folder (``sources.hash_sources``)
            found[name] = os.path.join(location, path)
    return found


def _copy(source: tuple[Any, str], target: str) -> None:
    """The source's own copy, as collectstatic writes it."""
    storage, path = source
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with storage.open(path) as handle, open(target, "wb") as out:
        shutil.copyfileobj(handle, out, 1024 * 1024)


def _post_process(storage, sources, process: set[str], outputs: set[str]) -> str | None:
    """Django's post-processing of the reached files; why it failed, if it did."""
    paths = {name: sources[name] for name in sources if name in process and name not in outputs}
    paths.update({name: (storage, name) for name in sorted(process & outputs)})
    try:
        for name, _hashed, processed in storage.post_process(paths, dry_run=False):
            if isinstance(processed, Exception):
                return f"post-processing {name} failed ({type(processed).__name__})"
    except Refused as exc:
        return str(exc)
    except Exception as exc:
        return f"post-processing failed ({type(exc).__name__}: {str(exc)[:200]})"
    return None


class _Packages:
    """django-pipeline's packages, as the static cache recorded them and as they are now."""

    def __init__(self, storage, record: Mapping, sources: Mapping, enabled: bool) -> None:
        self.enabled = enabled
        self.recorded: Mapping[str, list[str]] = record.get("packages") or {}
        self.by_output: dict[str, tuple[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.compiled: set[str] = set()  # the files compilers write
        self.compiling: set[str] = set()  # the outputs of packages with a compiled source
        if self.enabled:
            self._read(storage, record, sources)
        self.outputs = set(self.by_output)

    def _read(self, storage, record: Mapping, sources: Mapping) -> None:
        from pipeline.conf import settings as pipeline_settings  # lazy: pipeline apps only
        from pipeline.packager import Packager  # lazy: as above

        if not pipeline_settings.PIPELINE_ENABLED:
            raise Refused("PIPELINE_ENABLED is off, so django-pipeline finds its own outputs")
        if pipeline_settings.PIPELINE_ROOT is None:  # STATIC_ROOT unset: only path arithmetic
            pipeline_settings.PIPELINE_ROOT = storage.location  # uses it, and it cancels out
        self.packager = Packager(storage=storage)
        compilers = [c(verbose=False, storage=storage) for c in self.packager.compiler.compilers]
        for kind in ("css", "js"):
            for name, package in self.packager.packages[kind].items():
                output = package.output_filename
                if package.variant:
                    raise Refused(f"django-pipeline package {name!r} embeds files (variant)")
                if output in self.by_output:
                    raise Refused(f"two django-pipeline packages write {output}")
                self.by_output[output] = (kind, package)
                self.members[output] = [str(source) for source in package.sources]
                for member in package.paths:
                    compiler = next((c for c in compilers if c.match_file(member)), None)
                    if compiler is not None:
                        self.compiled.add(compiler.output_path(member, compiler.output_extension))
                        self.compiling.add(output)
        if record.get("packages") is None:
            raise Refused("the committed cache does not record django-pipeline's packages")
        for output, members in self.members.items():
            for member in members:
                if member not in sources:
                    raise Refused(f"django-pipeline packs {member}, which is not collected")
                if member in self.by_output and member != output:
                    raise Refused(f"django-pipeline packs {member}, another package's output")
        overlap = sorted(self.compiled & (set(sources) | set(self.by_output)))
        if overlap:
            raise Refused(f"django-pipeline compiles a file into {overlap[0]}, a collected name")

    def build(self, changed: set[str]) -> set[str]:
        """Build the packages whose sources changed, and all with a compiled source."""
        rebuilt = set()
        for output, members in self.members.items():
            if (
                output in self.compiling
                or members != self.recorded.get(output)
                or not changed.isdisjoint(members)
            ):
                self.pack(output)
                rebuilt.add(output)
        return rebuilt

    def pack(self, output: str) -> None:
        kind, package = self.by_output[output]
        pack = self.packager.pack_stylesheets if kind == "css" else self.packager.pack_javascripts
        try:
            pack(package)
        except Exception as exc:
            raise Refused(
                f"django-pipeline could not build {output}: {type(exc).__name__}"
            ) from None

    def maker(self, output: str) -> Callable[[], None]:
        return lambda: self.pack(output)

    def record(self) -> dict | None:
        return dict(self.members) if self.enabled else None
