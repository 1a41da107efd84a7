"""``manage.py prune_static --keep N``: delete the objects no recent release uses.

Every publish records its manifest under ``<prefix>/.manifests/``. This command keeps every object
that one of the newest N records references (so the last N releases, and rollbacks to them, keep
working), and deletes the rest of the prefix: never anything outside it, never an object younger
than ``--min-age`` (a build may be uploading it right now), never what the committed static cache
of this checkout references. ``--dry-run`` prints the same list and deletes nothing.
"""

from __future__ import annotations

import contextlib
import json
import time

from django.core.management.base import BaseCommand, CommandError

from ...build import output
from ...build.early_listing import list_in_region
from ...build.records import PrunePlan, plan_prune
from ...config import Config
from ...errors import BuildError
from ...format import static_cache
from ...format.records import records
from ...s3.bucket import Bucket
from ...s3.errors import explain
from ...s3.types import RemoteObject
from ._common import app_dir, command_error, values


class Command(BaseCommand):
    help = "Delete the static objects that none of the newest N published manifests reference."

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, required=True, help="Releases to keep (>= 1).")
        parser.add_argument("--dry-run", action="store_true", help="Print, delete nothing.")
        parser.add_argument(
            "--min-age",
            type=float,
            default=3600,
            help="Never delete objects younger than this many seconds (default 3600).",
        )
        parser.add_argument(
            "--whole-bucket",
            action="store_true",
            help="Allow pruning when AWS_LOCATION is empty (the bucket holds only static files).",
        )

    def handle(self, *args, keep, dry_run, min_age, whole_bucket, **options):
        if keep < 1:
            raise CommandError("--keep must be at least 1: the running release needs its files.")
        try:
            config = Config.from_values(values())
            if not config.location and not whole_bucket:
                raise CommandError(
                    "AWS_LOCATION is empty, so the static files share the bucket's root with "
                    "whatever else it holds. Set a prefix, or pass --whole-bucket if the bucket "
                    "holds only static files."
                )
            self.prune(config, keep, dry_run, min_age)
        except BuildError as exc:
            raise command_error(exc) from None

    def prune(self, config: Config, keep: int, dry_run: bool, min_age: float) -> None:
        try:
            config, listed, _ = list_in_region(config)
        except BuildError as exc:
            raise command_error(exc) from None
        with Bucket(config) as bucket:
            inventory = self.inventory(listed, config)
            kept = self.kept_records(bucket, config, records(inventory)[-keep:])
            plan = plan_prune(inventory, kept, keep, min_age, time.time(), self.protected(config))
            self.show(config, plan, len(kept), dry_run, min_age)
            doomed = plan.delete + plan.deleted_records
            if dry_run or not doomed:
                return
            try:
                failed = bucket.delete([config.key(name) for name in doomed])
            except Exception as exc:
                raise command_error(explain(exc, config, "delete")) from None
        if failed:
            raise CommandError(f"S3 could not delete {len(failed)} objects, first: {failed[0]}")
        output.info(f"Deleted {len(doomed)} objects")

    def inventory(self, listed: dict[str, RemoteObject], config: Config) -> dict:
        """The prefix's objects by name relative to it; CommandError when it has no record."""
        inventory = {
            key[len(config.key_prefix) :]: remote
            for key, remote in listed.items()
            if key.startswith(config.key_prefix)
        }
        if not records(inventory):
            raise CommandError(
                f"No published manifests under {config.key_prefix or 'the bucket root'} (every "
                "build and publish_static record one): nothing can be proven unused, so nothing "
                "was deleted."
            )
        return inventory

    def kept_records(self, bucket: Bucket, config: Config, names: list[str]) -> dict:
        kept = {}
        for name in names:
            try:
                body = bucket.get(config.key(name))
            except Exception as exc:
                raise command_error(explain(exc, config, "read")) from None
            try:
                kept[name] = static_cache.parse(json.loads(body))
            except (ValueError, static_cache.CacheError) as exc:
                raise CommandError(
                    f"The record {config.key(name)} cannot be read ({exc}); nothing was deleted."
                ) from None
        return kept

    def protected(self, config: Config) -> list[str]:
        """What this checkout's committed cache references; without one, the records decide."""
        with contextlib.suppress(static_cache.CacheError):
            committed = static_cache.load(static_cache.path_in(app_dir(), config.cache_dir))
            return list(committed.objects)
        return []

    def show(self, config: Config, plan: PrunePlan, kept: int, dry_run: bool, min_age: float):
        verb = "Would delete" if dry_run else "Deleting"
        output.step(f"Pruning {config.bucket}/{config.key_prefix} (keeping {kept} releases)")
        for name in plan.kept_records:
            output.info(f"keep    {config.key(name)}")
        for name in plan.delete + plan.deleted_records:
            output.info(f"delete  {config.key(name)}")
        if plan.too_young:
            output.info(
                f"{len(plan.too_young)} unreferenced objects are younger than {min_age:.0f} s "
                "and were kept"
            )
        output.info(
            f"{verb} {len(plan.delete)} objects and {len(plan.deleted_records)} old records"
        )
