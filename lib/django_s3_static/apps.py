"""The Django app: management commands, template tags (``{% load s3_static %}``), the system
checks of the dyno configuration, and integrity for django-pipeline's tags when asked."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoS3StaticConfig(AppConfig):
    name = "django_s3_static"
    label = "django_s3_static"
    verbose_name = "Static files on S3"

    def ready(self) -> None:
        from . import checks  # lazy: they read the settings  # noqa: F401
        from .runtime import integrity  # lazy: as above

        if integrity.pipeline_integrity_on():
            integrity.wrap_pipeline_tags()
