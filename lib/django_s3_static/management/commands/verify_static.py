"""``manage.py verify_static``: is the static cache fresh and complete? Exit 0 when it is.

Its hashed names must be the sources' (an edited manifest is not), and an object is read no
further than its recorded size.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ... import output
from ...collect.collect import registry_fingerprint
from ...config import Config
from ...errors import S3StaticError
from ...format import hashed_names, static_cache
from ...publish.early_listing import list_in_region
from ...publish.publish import problems
from ...s3 import digests
from ...settings_table import COMMANDS
from ._common import app_dir, command_error, values


class Command(BaseCommand):
    help = "Check the committed static cache against the static sources and the bucket."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sources-only",
            action="store_true",
            help="Check only that the cache matches the sources; do not list the bucket.",
        )
        parser.add_argument(
            "--no-digests",
            action="store_true",
            help="Do not read the objects to check their integrity digests (one GET each).",
        )

    def handle(self, *args, sources_only=False, no_digests=False, **options):
        started = time.monotonic()
        try:
            config = Config.from_values(values(), where=COMMANDS)
            cache_file = static_cache.path_in(app_dir(), config.static_cache_dir)
            try:
                cache = static_cache.load(cache_file)
            except static_cache.CacheError as exc:
                raise CommandError(
                    f"{cache_file}: {exc}.\nRun 'python manage.py publish_static' and commit it.",
                    returncode=1,
                ) from None
            inventory = None
            if not sources_only:
                config, inventory, _ = list_in_region(config, cache.objects)
        except S3StaticError as exc:
            raise command_error(exc) from None
        current = registry_fingerprint(settings, committed=hashed_names.of_cache(cache))
        found = problems(
            cache, current.fingerprint, config, inventory, current.context, current.untied
        )
        read = 0
        if not sources_only and not no_digests:
            try:
                wrong, read = digests.mismatched(config, cache.objects)
            except S3StaticError as exc:
                raise command_error(exc) from None
            if wrong:
                names = list(wrong)
                more = f" and {len(names) - 3} more" if len(names) > 3 else ""
                found.append(
                    f"{len(names)} whose content does not give the integrity digest the cache "
                    f"records ({', '.join(names[:3])}{more}): replaced after the publish; "
                    "browsers refuse them where a page renders that digest"
                )
                found += [
                    f"{name}: {why}" for name, why in wrong.items() if why != digests.DIFFERS
                ][:10]
        if found:
            raise CommandError(
                f"{cache_file} cannot be trusted:\n"
                + "\n".join(f"  - {problem}" for problem in found)
                + "\nRun 'python manage.py publish_static' and commit the result.",
                returncode=1,
            )
        checked = "sources" if sources_only else f"sources and {len(cache.objects)} objects"
        if read:
            checked += f" ({read} integrity digests)"
        output.info(
            f"{cache_file} is fresh: {checked} verified in {time.monotonic() - started:.2f} s"
        )
