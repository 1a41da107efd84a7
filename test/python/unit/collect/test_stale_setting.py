"""Which setting made a committed cache stale, so the build asks for a publish that would make
the next build fresh (``collect.fingerprint.changed_setting``)."""

from __future__ import annotations

from django_s3_static.collect.fingerprint import changed_setting

CONTEXT = {
    "django": "5.2.8",
    "django-s3-static": "0.2.0",
    "pipeline": None,
    "PIPELINE": None,
    "STATIC_URL": "/static/",
    "strict_references": False,
}


def test_a_static_url_path_where_the_deployed_settings_have_a_full_url():
    assert changed_setting(CONTEXT, {**CONTEXT, "STATIC_URL": None}) == "STATIC_URL"


def test_the_hashing_and_strict_references_are_settings_too():
    assert changed_setting(CONTEXT, {**CONTEXT, "strict_references": True}) == (
        "DJANGO_S3_STATIC_STRICT_REFERENCES"
    )
    hashing = {**CONTEXT, "hashing": {"max_post_process_passes": 2}}
    assert changed_setting(CONTEXT, hashing) == "STORAGES['staticfiles']"


def test_versions_sources_and_unknown_contexts_are_no_setting():
    assert changed_setting(CONTEXT, {**CONTEXT, "django": "6.0"}) == ""
    assert changed_setting(CONTEXT, dict(CONTEXT)) == ""  # the sources changed
    assert changed_setting(None, CONTEXT) == ""
    assert changed_setting(CONTEXT, None) == ""
