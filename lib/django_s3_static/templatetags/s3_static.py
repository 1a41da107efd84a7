"""``{% load s3_static %}``: scripts and stylesheets with their integrity digest.

    {% static_script 'js/app.js' defer=True %}
    {% static_stylesheet 'css/site.css' media='print' %}

Without a digest, the plain tag (``runtime.integrity``).
"""

from __future__ import annotations

from django import template

from ..runtime.integrity import digest, script_tag, stylesheet_tag

register = template.Library()


@register.simple_tag
def static_script(name: str, **attributes: object) -> str:
    return script_tag(name, attributes)


@register.simple_tag
def static_stylesheet(name: str, **attributes: object) -> str:
    return stylesheet_tag(name, attributes)


@register.simple_tag
def static_integrity(name: str) -> str:
    """The digest alone (empty when there is none), for a tag written by hand."""
    return digest(name) or ""
