"""What the fingerprint covers besides the sources (``sources.fingerprint_context``)."""

from __future__ import annotations

from types import SimpleNamespace

import django
import pytest
from django.conf import LazySettings
from django.urls import clear_script_prefix, set_script_prefix

import django_s3_static
from django_s3_static.collect.sources import (
    fingerprint_context,
    post_processing_static_url,
    settings_digest,
)


def settings(**values) -> SimpleNamespace:
    return SimpleNamespace(**{"STATIC_URL": "/static/", **values})


def test_the_context_names_this_package_s_version_and_the_static_url():
    context = fingerprint_context(settings(), set())
    assert context == {
        "django": django.get_version(),
        "django-s3-static": django_s3_static.__version__,
        "pipeline": None,
        "PIPELINE": None,
        "STATIC_URL": "/static/",
        "strict_references": False,
    }


def test_pipeline_settings_count_by_their_digest_only_when_pipeline_is_installed():
    pipelined = settings(PIPELINE={"STYLESHEETS": {"site": {"source_filenames": ["a.css"]}}})
    assert fingerprint_context(pipelined, set())["PIPELINE"] is None
    digest = fingerprint_context(pipelined, {"pipeline"})["PIPELINE"]
    assert digest == settings_digest(pipelined.PIPELINE)
    assert digest.startswith("sha256:") and "a.css" not in digest
    assert settings_digest({"b": 1, "a": 2}) == settings_digest({"a": 2, "b": 1})
    assert settings_digest({"a": 1}) != settings_digest({"a": 2})


@pytest.mark.parametrize(
    "static_url, force_script_name, expected",
    [
        ("/static/", None, "/static/"),
        ("static/", None, "/static/"),  # Django adds the script prefix to a relative one
        ("static/", "/app", "/app/static/"),
        ("static/", "/app/", "/app/static/"),
        ("/static/", "/app", "/static/"),
        # Post-processing rewrites no reference under a full URL, whichever it is.
        ("https://cdn.example.com/static/", None, None),
        ("http://127.0.0.1:9000/bucket/static/", None, None),
        ("//cdn.example.com/static/", None, None),
    ],
)
def test_the_static_url_counts_as_far_as_post_processing_compares_it(
    static_url, force_script_name, expected
):
    found = post_processing_static_url(
        settings(STATIC_URL=static_url, FORCE_SCRIPT_NAME=force_script_name)
    )
    assert found == expected


def test_the_static_url_is_django_s_after_set_up_whether_or_not_it_ran():
    """The settings-only check runs without django.setup(), which sets the script prefix
    from FORCE_SCRIPT_NAME; both must give what collectstatic compares against."""
    lazy = LazySettings()
    lazy.configure(STATIC_URL="static/", FORCE_SCRIPT_NAME="/app")
    before_setup = post_processing_static_url(lazy)
    set_script_prefix("/app")  # what django.setup() does with FORCE_SCRIPT_NAME
    try:
        assert lazy.STATIC_URL == "/app/static/"
        assert post_processing_static_url(lazy) == before_setup == "/app/static/"
    finally:
        clear_script_prefix()


def test_no_static_url_counts_as_none():
    assert post_processing_static_url(SimpleNamespace()) is None
