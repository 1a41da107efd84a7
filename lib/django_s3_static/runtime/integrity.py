"""Scripts and stylesheets rendered with their Subresource Integrity digest.

The static cache records the digest after content decoding, so a gzip object checks out
(https://www.w3.org/TR/SRI/); cross-origin, it is checked only in CORS mode, hence ``crossorigin``.
No digest, no attribute.
"""

from __future__ import annotations

import os

from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..config import parse, runtime_values

CROSSORIGIN = "anonymous"


def digest(name: str) -> str | None:
    """The integrity digest of the static file ``name`` as the storage renders it, if any."""
    lookup = getattr(staticfiles_storage, "integrity", None)
    return lookup(name) if lookup is not None else None


def _attributes(extra: dict[str, object]) -> SafeString:
    """Template-tag keywords as HTML attributes: ``True`` bare, ``False``/None out, ``_`` as -."""
    bare = [(key.replace("_", "-"),) for key, value in extra.items() if value is True]
    valued = [
        (key.replace("_", "-"), value)
        for key, value in extra.items()
        if value not in (True, False, None)
    ]
    return mark_safe(format_html_join("", " {}", bare) + format_html_join("", ' {}="{}"', valued))


def _integrity_attributes(name: str) -> SafeString:
    found = digest(name)
    if not found:
        return mark_safe("")
    return format_html(' integrity="{}" crossorigin="{}"', found, CROSSORIGIN)


def script_tag(name: str, extra: dict[str, object]) -> SafeString:
    """``<script src=… integrity=… crossorigin="anonymous"></script>`` for a static name."""
    return format_html(
        '<script src="{}"{}{}></script>',
        staticfiles_storage.url(name),
        _integrity_attributes(name),
        _attributes(extra),
    )


def stylesheet_tag(name: str, extra: dict[str, object]) -> SafeString:
    """``<link rel="stylesheet" href=… integrity=… crossorigin="anonymous">`` for a static name."""
    return format_html(
        '<link rel="stylesheet" href="{}"{}{}>',
        staticfiles_storage.url(name),
        _integrity_attributes(name),
        _attributes(extra),
    )


def with_integrity(html: str, tag: str, name: str) -> str:
    """``html``, a tag django-pipeline rendered, with the digest of ``name`` if there is one."""
    stripped = html.lstrip()
    if not stripped.startswith(f"<{tag}"):
        return html
    attributes = _integrity_attributes(name)
    if not attributes:
        return html
    start = len(html) - len(stripped) + len(tag) + 1
    return mark_safe(html[:start] + attributes + html[start:])


def pipeline_integrity_on() -> bool:
    from django.conf import settings  # lazy: read when the app registry is ready

    values = runtime_values(settings, os.environ)
    return parse(values, "pipeline_integrity", strict=False) == "on"


def wrap_pipeline_tags() -> bool:
    """Make django-pipeline's tags render integrity; whether they were wrapped."""
    try:
        from pipeline.templatetags import pipeline as tags  # lazy: apps with django-pipeline only
    except ImportError:
        return False
    for node, method, tag in (
        (tags.StylesheetNode, "render_css", "link"),
        (tags.JavascriptNode, "render_js", "script"),
    ):
        original = getattr(node, method)
        if getattr(original, "adds_integrity", False):
            continue

        def render(self, package, path, original=original, tag=tag):
            return with_integrity(original(self, package, path), tag, path)

        render.adds_integrity = True
        setattr(node, method, render)
    return True
