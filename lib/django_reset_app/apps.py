"""The reset_app command's Django app."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoResetAppConfig(AppConfig):
    name = "django_reset_app"
    label = "django_reset_app"
    verbose_name = "Reset an app's migrations"
