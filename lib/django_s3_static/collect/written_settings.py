"""The app's settings as its settings module wrote them, and as Django reads them once
``django.setup()`` has run.

``django.conf.settings`` puts the script prefix (``FORCE_SCRIPT_NAME``, set by ``django.setup()``)
on a relative ``STATIC_URL`` or ``MEDIA_URL`` when the setting is first read, and keeps that
value: read before ``django.setup()``, it keeps the wrong prefix. The build reads them as written,
and adds the prefix itself where it runs without ``django.setup()``.
"""

from __future__ import annotations

from typing import Any


def as_written(settings: Any) -> Any:
    """The settings object behind ``django.conf.settings`` (or ``settings`` itself)."""
    return getattr(settings, "_wrapped", settings)


def with_script_prefix(settings, value: str) -> str:
    """A URL setting as Django reads it once ``django.setup()`` has set the script prefix from
    ``FORCE_SCRIPT_NAME``: a relative value gets the prefix, a path or full URL is kept."""
    if value.startswith(("http://", "https://", "/")):
        return value
    prefix = getattr(settings, "FORCE_SCRIPT_NAME", None)
    prefix = "/" if prefix is None else str(prefix)
    return (prefix if prefix.endswith("/") else prefix + "/") + value


def resolve_urls(settings) -> None:
    """Set ``STATIC_URL`` and ``MEDIA_URL`` to the values Django reads after ``django.setup()``.

    Django adds the script prefix to a relative one (the ``"static/"`` of its project template,
    the empty default ``MEDIA_URL``) when the setting is first read, and imports ``django.urls``
    for it, which imports most of Django's ORM: most of an incremental collect that runs without
    the app registry. The staticfiles storages read both; given resolved values, Django keeps
    them as they are.
    """
    for name in ("STATIC_URL", "MEDIA_URL"):
        value = getattr(as_written(settings), name, None)
        if value is not None:
            setattr(settings, name, with_script_prefix(settings, str(value)))
