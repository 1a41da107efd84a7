"""The Django app: commands, template tags, system checks, integrity for django-pipeline."""

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
