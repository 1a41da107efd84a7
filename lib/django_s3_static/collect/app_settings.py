"""The app's settings in its own process: imported (pointed at the build's folder and storage
when it collects), and Django started, each failure said with what to do."""

from __future__ import annotations

import contextlib
import os
import traceback

from .. import output
from ..errors import S3StaticError
from .app_hashing import keep_app_backend

BUILD_STORAGE = "django_s3_static.collect.pack.BuildStorage"


def load_settings(collect_to: str | None):
    """Import the app's settings (pointing collectstatic at the build's folder and storage)."""
    with _settings_errors():
        from django.conf import settings  # lazy: reading it runs the app's settings module

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module now, to report errors
        if collect_to:
            settings.STATIC_ROOT = collect_to
            keep_app_backend(settings)
            storages = dict(settings.STORAGES)
            storages["staticfiles"] = {"BACKEND": BUILD_STORAGE}
            settings.STORAGES = storages
            _without_uploading_collectstatic(settings)
    return settings


#: Apps whose ``collectstatic`` uploads to S3 itself, and the switch each documents to turn that
#: off (https://github.com/jasongi/collectfasta#usage; collectfast reads COLLECTFAST_ENABLED):
#: the build collects into a folder, where their strategy would expect an S3 storage.
UPLOADING_COLLECTSTATIC = {
    "collectfasta": "COLLECTFASTA_ENABLED",
    "collectfast": "COLLECTFAST_ENABLED",
}


def _without_uploading_collectstatic(settings) -> None:
    installed = {str(app).split(".")[0] for app in settings.INSTALLED_APPS}
    for app, switch in UPLOADING_COLLECTSTATIC.items():
        if app in installed:
            setattr(settings, switch, False)
            output.info(
                f"{app} is in INSTALLED_APPS: the build's collectstatic runs with {switch}=False "
                "(it uploads afterwards, only what the bucket lacks); you can remove it"
            )


def start_django() -> None:
    with _settings_errors():
        import django  # lazy: the settings-only check does without django.setup()

        django.setup()


@contextlib.contextmanager
def _settings_errors():
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    try:
        yield
    except ImportError as exc:
        print_traceback()
        raise S3StaticError(
            f"The settings module {module!r} cannot be imported: {exc}",
            "Check that DJANGO_SETTINGS_MODULE (or manage.py) names the right module, that",
            "the app's dependencies (requirements.txt, uv.lock, poetry.lock or Pipfile.lock) hold",
            "every package the settings import, and that every config var",
            "the settings read is set (heroku config).",
        ) from None
    except Exception as exc:
        print_traceback()
        raise S3StaticError(
            f"The settings module {module!r} failed to load: {type(exc).__name__}: {exc}",
            "The traceback above shows where. Settings often read config vars at build time:",
            "set the missing one with heroku config:set NAME=value.",
        ) from None


def print_traceback() -> None:
    for line in traceback.format_exc().splitlines():
        output.raw(line)
