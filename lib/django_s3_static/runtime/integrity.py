"""Scripts and stylesheets rendered with their Subresource Integrity digest.

A page that names a script's digest is protected from whatever replaces the file behind the build's
back (on the bucket, at a CDN, on the way): the browser refuses a file whose digest differs
(https://www.w3.org/TR/SRI/). The static cache records the digest of each hashed script and
stylesheet as the browser gets it, after content decoding, so a gzip-compressed object checks out.
A cross-origin file is checked only when the browser reads it in CORS mode, hence
``crossorigin="anonymous"``, and the bucket must answer it with ``Access-Control-Allow-Origin``
(the build checks that, ``build.cors``).

No digest, no attribute: integrity off (``DJANGO_S3_STATIC_INTEGRITY``), DEBUG, another storage
(``runserver`` with the app's own settings), an unhashed name, or a static cache that predates
digests all render the plain tag, which loads as before.
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
    """Template-tag keywords as HTML attributes: ``True`` bare, ``False``/None left out, ``_``
    written ``-`` (``data_role="x"`` is ``data-role="x"``)."""
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
    """``<link rel="stylesheet" href=… integrity=… crossorigin="anonymous">`` for a static
    name."""
    return format_html(
        '<link rel="stylesheet" href="{}"{}{}>',
        staticfiles_storage.url(name),
        _integrity_attributes(name),
        _attributes(extra),
    )


def with_integrity(html: str, tag: str, name: str) -> str:
    """``html`` (one ``<script>`` or ``<link>`` rendered by django-pipeline) with the digest
    of ``name`` added to its opening tag; unchanged when there is none, or when the package's
    own template renders something else first."""
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
    """Make django-pipeline's ``{% stylesheet %}`` and ``{% javascript %}`` render integrity
    (``DJANGO_S3_STATIC_PIPELINE_INTEGRITY=on``): each package's output file is a hashed static
    file like any other. Returns whether pipeline's tags were wrapped."""
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
