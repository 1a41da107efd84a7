"""``manage.py prune_static --keep N``: delete the objects no recent release uses."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError

from ... import output
from ...config import Config
from ...errors import S3StaticError
from ...format import static_cache
from ...format.records import RECORDS_DIR, records
from ...prune.plan import (
    PrunePlan,
    RecordChoice,
    broken,
    choose_records,
    nested_prefixes,
    new_records,
    outside,
    plan_prune,
    spare,
)
from ...publish.early_listing import list_in_region
from ...s3.bucket import Bucket
from ...s3.errors import explain
from ...s3.types import RemoteObject
from ...settings_table import COMMANDS
from ._common import app_dir, command_error, values
from ._records import Read, read_records
from ._warnings import warn_apps, warn_untrusted


class Command(BaseCommand):
    help = "Delete the static objects that none of the newest N published manifests reference."
    nested: list[str] = []  # deeper prefixes with records of their own: left alone

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, required=True, help="Releases to keep (>= 1).")
        parser.add_argument("--dry-run", action="store_true", help="Print, delete nothing.")
        parser.add_argument(
            "--min-age",
            type=float,
            default=3600,
            help="Never delete records or objects younger than this many seconds (default 3600).",
        )
        parser.add_argument(
            "--whole-bucket",
            action="store_true",
            help="Allow pruning when AWS_LOCATION is empty (the bucket holds only static files).",
        )
        parser.add_argument(
            "--same-app",
            action="append",
            default=[],
            metavar="LABEL,LABEL",
            help="Count the records of these app labels as one app's (a renamed app, a purged "
            "build cache); repeat for other groups.",
        )

    def handle(self, *args, keep, dry_run, min_age, whole_bucket, same_app, **options):
        if keep < 1:
            raise CommandError("--keep must be at least 1: the running release needs its files.")
        try:
            config = Config.from_values(values(), where=COMMANDS)
            if not config.location and not whole_bucket:
                raise CommandError(
                    "AWS_LOCATION is empty, so the static files share the bucket's root with "
                    "whatever else it holds. Set a prefix, or pass --whole-bucket if the bucket "
                    "holds only static files."
                )
            groups = [[label for label in group.split(",") if label] for group in same_app]
            self.prune(config, keep, dry_run, min_age, groups)
        except S3StaticError as exc:
            raise command_error(exc) from None

    def prune(
        self, config: Config, keep: int, dry_run: bool, min_age: float, same_app: list[list[str]]
    ) -> None:
        try:
            config, listed, _ = list_in_region(config)
        except S3StaticError as exc:
            raise command_error(exc) from None
        with Bucket(config) as bucket:
            inventory = self.inventory(listed, config)
            now = time.time()
            choice = choose_records(inventory, keep, min_age, now, same_app)
            kept = read_records(bucket, config, choice.kept)
            plan = plan_prune(
                inventory,
                kept.caches,
                choice,
                min_age,
                now,
                self.protected(config),
                kept.pointers.values(),
            )
            warn_apps(config, choice, keep)
            warn_untrusted(config, choice, inventory, keep)
            self.show(config, plan, choice, keep, dry_run, min_age)
            if dry_run or not (plan.delete or plan.deleted_records or plan.deleted_caches):
                return
            # A build may have recorded a release since the listing: what it uses stays.
            late = read_records(bucket, config, self.new_records(bucket, config, inventory))
            plan = self.spare(config, plan, late)
            doomed = plan.delete + plan.deleted_records
            failed = self.delete(bucket, config, doomed)
            known = [*inventory, *late.caches]
            during = read_records(
                bucket, config, self.new_records(bucket, config, known), deleting=True
            )
            # The stored caches last, less those the records written meanwhile point to: no
            # record this command has seen is left without its cache.
            pointed = set(during.pointers.values())
            caches = [name for name in plan.deleted_caches if name not in pointed]
            failed += self.delete(bucket, config, caches)
        self.check_nothing_broken(config, broken(during.caches, plan.delete))
        if failed:
            raise CommandError(f"S3 could not delete {len(failed)} objects, first: {failed[0]}")
        output.info(f"Deleted {len(doomed) + len(caches)} objects")

    def delete(self, bucket: Bucket, config: Config, names: list[str]) -> list[str]:
        """Delete ``names`` (1,000 per request); the keys S3 could not delete."""
        try:
            return bucket.delete([config.key(name) for name in names]) if names else []
        except Exception as exc:
            raise command_error(explain(exc, config, "delete")) from None

    def new_records(self, bucket: Bucket, config: Config, known: Iterable[str]) -> list[str]:
        """The records under ``.manifests/`` now that ``known`` lacks."""
        try:
            listed, _ = bucket.list(f"{RECORDS_DIR}/")
        except Exception as exc:
            raise command_error(explain(exc, config, "list")) from None
        return new_records([key[len(config.key_prefix) :] for key in listed], known)

    def spare(self, config: Config, plan: PrunePlan, late: Read) -> PrunePlan:
        spared = spare(plan, late.caches, late.pointers.values())
        for name in late.caches:
            output.info(f"keep    {config.key(name)} (recorded while pruning)")
        if late.caches:
            kept_back = len(plan.delete) - len(spared.delete)
            count = len(late.caches)
            output.info(
                f"{count} release{'s' * (count != 1)} recorded while pruning: "
                f"{kept_back} of the objects to delete are in use again and were kept"
            )
        return spared

    def check_nothing_broken(self, config: Config, hurt: dict[str, list[str]]) -> None:
        """A release recorded while the deletes ran, using what they deleted: say so, loudly."""
        if not hurt:
            return
        name, used = next(iter(hurt.items()))
        more = f" (and {len(hurt) - 1} more releases)" if len(hurt) > 1 else ""
        raise CommandError(
            f"A build recorded a release while prune_static was deleting, and it uses "
            f"{len(used)} of the deleted objects: {config.key(name)}{more}, which uses "
            f"{', '.join(config.key(n) for n in used[:3])}"
            + (" ..." if len(used) > 3 else "")
            + ".\nThat release's pages miss those files until the app is built again (the build "
            "uploads what is missing): git commit --allow-empty -m 'Rebuild' && git push heroku "
            "main\nRun prune_static while no build is running to rule this out."
        )

    def inventory(self, listed: dict[str, RemoteObject], config: Config) -> dict:
        """The prefix's objects by name relative to it, less the deeper prefixes that hold
        records of their own; CommandError when it has no record."""
        inventory = {
            key[len(config.key_prefix) :]: remote
            for key, remote in listed.items()
            if key.startswith(config.key_prefix)
        }
        self.nested = nested_prefixes(inventory)
        inventory = outside(inventory, self.nested)
        if not records(inventory):
            raise CommandError(
                f"No published manifests under {config.key_prefix or 'the bucket root'} (every "
                "build and publish_static record one): nothing can be proven unused, so nothing "
                "was deleted."
            )
        return inventory

    def protected(self, config: Config) -> list[str]:
        """What this checkout's static cache references; without one, the records decide."""
        with contextlib.suppress(static_cache.CacheError):
            committed = static_cache.load(static_cache.path_in(app_dir(), config.static_cache_dir))
            return list(committed.objects)
        return []

    def show(
        self,
        config: Config,
        plan: PrunePlan,
        choice: RecordChoice,
        keep: int,
        dry_run: bool,
        min_age: float,
    ):
        verb = "Would delete" if dry_run else "Deleting"
        output.step(f"Pruning {config.bucket}/{config.key_prefix} (keeping {keep} releases)")
        for folder in self.nested:
            output.info(f"leave   {config.key(folder)}/ (another prefix, with records of its own)")
        young, untrusted = set(choice.young), set(choice.untrusted)
        for name in plan.kept_records:
            why = f" (younger than {min_age:.0f} s)" if name in young else ""
            why = " (its name's time is not S3's: counted for no app)" if name in untrusted else why
            output.info(f"keep    {config.key(name)}{why}")
        for name in plan.delete + plan.deleted_records + plan.deleted_caches:
            output.info(f"delete  {config.key(name)}")
        if plan.too_young:
            output.info(
                f"{len(plan.too_young)} unreferenced objects are younger than {min_age:.0f} s "
                "and were kept"
            )
        caches = len(plan.deleted_caches)
        output.info(
            f"{verb} {len(plan.delete)} objects and {len(plan.deleted_records)} old records"
            + (f" (and {caches} stored caches only they used)" if caches else "")
        )
