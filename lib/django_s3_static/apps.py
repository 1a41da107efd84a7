"""The Django app: management commands and the system checks of the dyno configuration."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoS3StaticConfig(AppConfig):
    name = "django_s3_static"
    label = "django_s3_static"
    verbose_name = "Static files on S3"

    def ready(self) -> None:
        from .runtime import checks  # lazy: checks register once apps are ready  # noqa: F401
