"""Documented settings module of the dyno: the app's settings, then the snippet.

The work is done in ``runtime.dyno_settings``; its settings are copied here, so naming either
module in ``DJANGO_SETTINGS_MODULE`` gives the same settings.
"""

from .runtime import dyno_settings as _wrapped

globals().update({k: getattr(_wrapped, k) for k in dir(_wrapped) if k.isupper()})
