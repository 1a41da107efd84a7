"""``manage.py publish_static``: collect, upload what the bucket lacks, write the static cache."""

from __future__ import annotations

import os
import tempfile

from django.conf import settings
from django.core.management.base import BaseCommand

from ... import output
from ...errors import S3StaticError
from ...publish.app_process import AppProcess
from ...publish.publish import publish
from ._common import app_dir, command_error, values


class Command(BaseCommand):
    help = "Collect the static files, upload the ones the bucket lacks, write the static cache."
    #: It writes the static cache the system check E002 looks for: a first publish would be
    #: refused for lacking it.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        app = AppProcess(app_dir(), settings.SETTINGS_MODULE)
        timings = output.Timings()
        output.step("Publishing static files (django-s3-static)")
        try:
            with tempfile.TemporaryDirectory(prefix="django-s3-static-") as workdir:
                settings_values = values()
                inspecting = app.inspect(settings_values, workdir, fork=False)
                outcome = publish(
                    app,
                    settings_values,
                    timings,
                    inspecting,
                    output.Progress(),
                    refresh_record=True,
                )
        except S3StaticError as exc:
            if exc.reported:
                raise SystemExit(exc.exit_code or 1) from None
            raise command_error(exc) from None
        folder = os.path.relpath(os.path.dirname(outcome.cache_file), os.getcwd())
        if outcome.reason is None and outcome.record_outdated:
            output.info(
                f"Nothing to upload: {folder} is fresh and all {len(outcome.cache.objects)} "
                "objects are in the bucket."
            )
            output.info(
                f"Updated its finders record, which lets builds check the sources without "
                f"starting Django: git add {folder} && git commit -m 'Refresh the static cache'"
            )
        elif outcome.reason is None:
            output.info(
                f"Nothing to publish: {folder} is fresh and all {len(outcome.cache.objects)} "
                "objects are in the bucket."
            )
        else:
            output.info(f"Wrote {os.path.join(folder, os.path.basename(outcome.cache_file))}")
            output.info("Commit it with the code, and the next deploy skips collectstatic:")
            output.info(f"  git add {folder} && git commit -m 'Publish static files'")
        output.info(f"Timings: {timings.line()}")
