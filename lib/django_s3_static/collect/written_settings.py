"""The app's settings as written, and as Django reads them after ``django.setup()``.

``django.conf.settings`` prefixes a relative ``STATIC_URL`` on first read and keeps it: read before
``django.setup()``, it keeps the wrong prefix.
"""

from __future__ import annotations

from typing import Any


def as_written(settings: Any) -> Any:
    """The settings object behind ``django.conf.settings`` (or ``settings`` itself)."""
    return getattr(settings, "_wrapped", settings)


def with_script_prefix(settings, value: str) -> str:
    """A URL setting as Django reads it once ``django.setup()`` has set the script prefix."""
    if value.startswith(("http://", "https://", "/")):
        return value
    prefix = getattr(settings, "FORCE_SCRIPT_NAME", None)
    prefix = "/" if prefix is None else str(prefix)
    return (prefix if prefix.endswith("/") else prefix + "/") + value


def resolve_urls(settings) -> None:
    """Set ``STATIC_URL`` and ``MEDIA_URL`` as Django would, sparing its ``django.urls`` import."""
    for name in ("STATIC_URL", "MEDIA_URL"):
        value = getattr(as_written(settings), name, None)
        if value is not None:
            setattr(settings, name, with_script_prefix(settings, str(value)))
