"""``promote_static``: the configured bucket gets every object the slug's static cache names.

In the release phase it fails rather than let a release link to missing files
(https://devcenter.heroku.com/articles/release-phase); a rerun copies only the rest. Its record
is a pointer to the cache, stored once per distinct cache, as builds store them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..config import Config
from ..errors import S3StaticError
from ..format import location, record_bodies
from ..format.records import RECORD_CACHE_CONTROL, app_label, record_name
from ..format.static_cache import StaticCache
from ..s3.bucket import Bucket
from ..s3.compare import differences, immutable_names
from ..s3.errors import explain
from . import transfer


@dataclass
class Outcome:
    source: location.Location
    target: location.Location
    present: int
    copied: int
    how: str
    record: str


def promote(
    cache: StaticCache, config: Config, workdir: str, say: Callable[[str], None]
) -> Outcome:
    """One connection to the configured bucket for the listing and the record."""
    try:
        bucket = Bucket(config)
    except Exception as exc:  # no credentials, for one
        raise explain(exc, config, "list") from None
    with bucket:
        return _promote(bucket, cache, config, workdir, say)


def _promote(
    bucket: Bucket, cache: StaticCache, config: Config, workdir: str, say: Callable[[str], None]
) -> Outcome:
    source, target = location.recorded(cache), location.configured(config)
    total = len(cache.objects)
    try:
        inventory, _ = bucket.list()
    except Exception as exc:
        raise explain(exc, config, "list") from None
    diffs = differences(cache.objects, inventory, config.key)
    hashed = immutable_names(cache.paths)
    conflicts = [d.name for d in diffs if d.reason != "missing" and d.name in hashed]
    if conflicts:
        raise S3StaticError(
            f"{len(conflicts)} hashed objects in {target} have other content than this slug's "
            f"({', '.join(conflicts[:3])}).",
            "A hashed name always holds the same bytes; something else wrote there. Nothing was",
            "released. Give this app a prefix of its own (AWS_LOCATION) and release again.",
        )
    missing = [d.name for d in diffs]
    if not missing:
        say(f"All {total} objects of this slug are in {target}")
        how = "nothing to copy"
    elif source.same_place(target):
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise S3StaticError(
            f"{len(missing)} of the {total} objects this slug links to are missing from "
            f"{target}, where its build published them ({shown}).",
            "They were deleted since (prune_static with a small --keep, a lifecycle rule, a",
            "hand-made cleanup). Nothing was released. Build the app again, which publishes them:",
            "  git commit --allow-empty -m 'Republish static files' && git push heroku",
        )
    else:
        say(f"Copying {len(missing)} of {total} objects from {source} to {target}")
        try:
            how = _copy(config, cache, source, target, missing, workdir, say)
        except S3StaticError as exc:
            raise S3StaticError(
                exc.title,
                *exc.details,
                "The release was stopped: no dyno runs it. Once fixed, release again",
                "(heroku releases:retry): what was copied stays, the rest is copied then.",
            ) from None
    name = _record(bucket, config, cache, inventory)
    return Outcome(source, target, total - len(missing), len(missing), how, name)


def _copy(
    config: Config,
    cache: StaticCache,
    source: location.Location,
    target: location.Location,
    missing: list[str],
    workdir: str,
    say: Callable[[str], None],
) -> str:
    if source.endpoint is not None and source.endpoint == target.endpoint:
        try:
            refused = transfer.server_side(config, source, cache, missing)
        except transfer.SourceRefused as exc:
            say(
                f"The configured credentials cannot copy from {source} ({exc}): "
                "copying through its public URLs instead"
            )
        else:
            if not refused:
                return "server-side copy"
            shown = ", ".join(refused[:3]) + (
                f" and {len(refused) - 3} more" if len(refused) > 3 else ""
            )
            say(
                f"{len(refused)} objects in {source} do not show the recorded MD5 as their ETag "
                f"({shown}): copying them through their public URLs, checked"
            )
            transfer.through_public_urls(config, source, cache, refused, workdir)
            if len(refused) < len(missing):
                return "server-side copy, and download and upload"
            return "download and upload"
    transfer.through_public_urls(config, source, cache, missing, workdir)
    return "download and upload"


def _record(bucket: Bucket, config: Config, cache: StaticCache, inventory: Mapping) -> str:
    """This release's record in the configured place, for prune_static: a pointer to the cache,
    and the cache itself unless the listing shows it stored there (``record_bodies``)."""
    commit = os.environ.get("HEROKU_SLUG_COMMIT") or os.environ.get("SOURCE_VERSION")
    app = app_label(os.environ.get("HEROKU_APP_NAME") or "")
    text = cache.to_json()
    digest = record_bodies.sha256(text)
    present = config.key(record_bodies.cache_name(digest)) in inventory
    name = record_name(cache, time.time(), commit, app, text)
    try:
        for item in record_bodies.stored(text, name, digest, present):
            key = config.key(item.name)
            bucket.put_small(key, item.body, item.content_type, RECORD_CACHE_CONTROL)
    except Exception as exc:
        raise explain(exc, config, "upload") from None
    return config.key(name)
