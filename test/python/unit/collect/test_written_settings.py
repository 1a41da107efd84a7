"""The app's URL settings as Django reads them after ``django.setup()``, without it (pure)."""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.urls import clear_script_prefix, set_script_prefix

from django_s3_static.collect.written_settings import resolve_urls


@pytest.mark.parametrize(
    "force_script_name, static_url, media_url",
    [
        (None, "static/", ""),
        ("/app", "static/", "media/"),
        ("/app/", "/assets/", "https://cdn.example.com/media/"),
    ],
)
def test_the_urls_resolved_without_set_up_are_what_django_reads_after_it(
    force_script_name, static_url, media_url
):
    """An incremental collect without django.setup() resolves the relative URL settings itself
    (Django would import django.urls to do it); the values are those Django reads once
    django.setup() has set the script prefix."""
    values = {"STATIC_URL": static_url, "MEDIA_URL": media_url}
    resolved = LazySettings()
    resolved.configure(FORCE_SCRIPT_NAME=force_script_name, **values)
    resolve_urls(resolved)
    found = (resolved.STATIC_URL, resolved.MEDIA_URL)  # read with no script prefix set
    set_script_prefix("/" if force_script_name is None else force_script_name)
    try:
        django_s = LazySettings()
        django_s.configure(FORCE_SCRIPT_NAME=force_script_name, **values)
        assert found == (django_s.STATIC_URL, django_s.MEDIA_URL)
    finally:
        clear_script_prefix()
