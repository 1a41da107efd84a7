"""The settings module ``.profile.d`` points the dyno at: the app's own settings, then the snippet.

The app's module comes from ``DJANGO_S3_STATIC_APP_SETTINGS`` (its ``DJANGO_SETTINGS_MODULE`` as it
was before ``.profile.d`` ran). Every upper-case name is copied, as Django itself reads only those.
"""

from __future__ import annotations

import importlib
import os

from django.core.exceptions import ImproperlyConfigured

from .snippet import install

_name = os.environ.get("DJANGO_S3_STATIC_APP_SETTINGS", "")
if not _name or _name in (__name__, "django_s3_static.dyno_settings"):
    raise ImproperlyConfigured(
        "django-s3-static: DJANGO_S3_STATIC_APP_SETTINGS must name the app's settings module "
        "(the buildpack's .profile.d sets it from DJANGO_SETTINGS_MODULE)."
    )
_app_settings = importlib.import_module(_name)
globals().update({k: getattr(_app_settings, k) for k in dir(_app_settings) if k.isupper()})
install(globals())
