"""The helper's side of an incremental collect: reuse the static cache's other objects.

Only if the listing shows each of them in the bucket as recorded; otherwise collect everything.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from .. import output
from ..collect.folder import file_record
from ..collect.incremental_plan import merge
from ..config import Config
from ..format import location
from ..format.static_cache import StaticCache, StaticObject
from ..s3.compare import describe, differences
from ..s3.types import RemoteObject


def incremental_cache(
    config: Config,
    report: Mapping,
    committed: StaticCache | None,
    cache_file: str,
    app_dir: str,
    inventory: Mapping[str, RemoteObject],
    reason: str,
    root: str,
) -> tuple[StaticCache, list[dict[str, str]]] | None:
    """The new static cache and its missing references, or None: the build collects everything."""
    done = report.get("incremental")
    if not done:
        return None
    if committed is None:
        return None  # the build could not load it: ``reason`` says why
    refused = done.get("refused")
    if refused is None and (committed.incremental is None or done["cache_file"] != cache_file):
        refused = "the app's process read another static cache than the build"
    if refused is not None:
        if refused != reason:  # a stale context is the reason already printed
            output.info(f"Collecting everything: {refused}")
        return None
    collected = done["collected"]
    produced = {name: StaticObject(**obj) for name, obj in collected["objects"].items()}
    merged = merge(committed.paths, committed.objects, committed.incremental, collected, produced)
    kept = {name: obj for name, obj in merged.objects.items() if name not in produced}
    lacking = differences(kept, inventory, config.key)
    restored = [d.name for d in lacking if d.name in collected["sources"]]
    lacking = [d for d in lacking if d.name not in collected["sources"]]
    if lacking:
        output.info(
            f"Collecting everything: the committed cache's objects are not all in the bucket "
            f"({describe(lacking)})"
        )
        return None
    if restored:
        restore(restored, collected["sources"], root, produced, kept, merged.objects)
    cache = StaticCache(
        fingerprint=report["fingerprint"],
        bucket=config.bucket,
        prefix=config.location,
        endpoint=location.configured(config).endpoint,
        paths=merged.paths,
        objects=merged.objects,
        finders=report.get("finders"),
        built_with=report.get("context"),
        incremental=merged.incremental,
    )
    reached, removed = done["reached"], done["removed"]
    gone = f", {removed} removed" if removed else ""
    output.info(
        f"Collected {len(produced):,} of {len(cache.objects):,} files (the change reaches "
        f"{reached:,} source{'s' * (reached != 1)}{gone}); {len(kept):,} reused from "
        f"{os.path.relpath(cache_file, app_dir)}"
    )
    if restored:
        more = f" and {len(restored) - 3} more" if len(restored) > 3 else ""
        output.info(
            f"Collected again: the copy of {len(restored)} unchanged "
            f"source{'s' * (len(restored) != 1)}, which another build replaced in the bucket "
            f"({', '.join(restored[:3])}{more})"
        )
    return cache, merged.missing_references


def restore(
    names: list[str],
    files: Mapping[str, str],
    root: str,
    produced: dict[str, StaticObject],
    kept: dict[str, StaticObject],
    objects: dict[str, StaticObject],
) -> None:
    """Collect unchanged sources whose copy another build replaced, as a full collect would."""
    for name in names:
        target = os.path.join(root, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(files[name], target)
        produced[name] = objects[name] = StaticObject(**file_record(target, name))
        del kept[name]
