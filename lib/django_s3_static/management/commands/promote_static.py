"""``manage.py promote_static``: the release phase's guarantee that every static URL works."""

from __future__ import annotations

import os
import sys
import tempfile
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...config import Config, runtime_cache_file, runtime_values
from ...errors import S3StaticError
from ...format import static_cache
from ...promote.promote import promote
from ...settings_table import COMMANDS
from ...snippet import SLUG_ALIAS


class Command(BaseCommand):
    help = (
        "Make the configured bucket hold every object the slug's static cache names, copying "
        "them from where the build published them (for the release phase)."
    )
    #: Its own checks are the point; the W001 mismatch warning it resolves would only confuse.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        started = time.monotonic()
        values = runtime_values(settings, os.environ)
        path = settings.CACHES.get(SLUG_ALIAS, {}).get("LOCATION") or runtime_cache_file(values)
        try:
            config = Config.from_values(values, where=COMMANDS)
            try:
                cache = static_cache.load(path)
            except static_cache.CacheError as exc:
                raise S3StaticError(
                    f"The static cache {path} cannot be used: {exc}.",
                    "The slug's pages would have no static URLs, so nothing was released.",
                    "Deploy through the buildpack (it writes the cache into the slug), or set",
                    "DJANGO_S3_STATIC_CACHE_PATH to the folder that holds it.",
                ) from None
            with tempfile.TemporaryDirectory(prefix="promote-static-") as workdir:
                outcome = promote(cache, config, workdir, self._say)
        except S3StaticError as exc:
            raise CommandError(
                "promote_static: " + "\n".join([exc.title, *exc.details]), returncode=1
            ) from None
        done = "copied" if outcome.copied else "nothing to copy"
        self._say(
            f"{outcome.target} holds all {outcome.present + outcome.copied} objects "
            f"({done}: {outcome.copied} by {outcome.how}) in {time.monotonic() - started:.2f} s; "
            f"recorded as {outcome.record}"
            if outcome.copied
            else f"Recorded this release as {outcome.record} ({done}) in "
            f"{time.monotonic() - started:.2f} s"
        )

    def _say(self, line: str) -> None:
        self.stdout.write(f"-----> {line}")
        sys.stdout.flush()
