import io

import pytest

from django_s3_static.collect.fingerprint import (
    SOURCES_CHANGED,
    file_sha256,
    fingerprint,
    why_stale,
)

SOURCES = [("css/site.css", "a" * 64), ("js/app.js", "b" * 64)]


def test_order_of_sources_does_not_matter():
    assert fingerprint(SOURCES, {}) == fingerprint(list(reversed(SOURCES)), {})


def test_one_changed_byte_changes_it():
    before = fingerprint([("a.css", file_sha256(io.BytesIO(b"body{}")))], {})
    after = fingerprint([("a.css", file_sha256(io.BytesIO(b"body{ }")))], {})
    assert before != after


def test_renamed_added_or_removed_source_changes_it():
    base = fingerprint(SOURCES, {})
    assert fingerprint([("css/other.css", "a" * 64), SOURCES[1]], {}) != base
    assert fingerprint(SOURCES + [("x.js", "c" * 64)], {}) != base
    assert fingerprint(SOURCES[:1], {}) != base


def test_output_shaping_context_changes_it():
    assert fingerprint(SOURCES, {"django": "5.2"}) != fingerprint(SOURCES, {"django": "6.1"})
    assert fingerprint(SOURCES, {"PIPELINE": {"a": 1}}) != fingerprint(SOURCES, {"PIPELINE": {}})


def test_format():
    assert fingerprint(SOURCES, {}).startswith("sha256:")
    assert len(fingerprint(SOURCES, {})) == len("sha256:") + 64


CONTEXT = {
    "PIPELINE": None,
    "STATIC_URL": "/static/",
    "django": "5.2.19",
    "django-s3-static": "0.2.0",
    "pipeline": None,
    "strict_references": False,
}


def changed(**values):
    return {**CONTEXT, **values}


@pytest.mark.parametrize(
    "published, reason",
    [
        (CONTEXT, SOURCES_CHANGED),
        (
            None,
            "stale: the cache predates this version of django-s3-static (0.2.0), which "
            "fingerprints more of what shapes the output",
        ),
        (
            changed(**{"django-s3-static": "0.1.0", "django": "5.2.1"}),  # the first one counts
            "stale: the cache was published by django-s3-static 0.1.0, this build runs 0.2.0 "
            "(its post-processing may differ)",
        ),
        (
            changed(django="5.2.1"),
            "stale: the cache was published with Django 5.2.1, the app has 5.2.19",
        ),
        (
            changed(pipeline="4.0.0"),
            "stale: the cache was published with django-pipeline 4.0.0, the app has none",
        ),
        (
            changed(STATIC_URL="/assets/"),
            "stale: STATIC_URL changed from '/assets/' to '/static/' since the cache was "
            "published (post-processing rewrites the references under it)",
        ),
        (
            changed(STATIC_URL=None),
            "stale: STATIC_URL changed from a full URL to '/static/' since the cache was "
            "published (post-processing rewrites the references under it)",
        ),
        (
            changed(PIPELINE="sha256:" + "1" * 64),
            "stale: the PIPELINE settings changed since the cache was published",
        ),
        (
            changed(strict_references=True),
            "stale: DJANGO_S3_STATIC_STRICT_REFERENCES changed since the cache was published",
        ),
        (
            changed(hashing={"support_js_module_import_aggregation": True}),
            "stale: what STORAGES['staticfiles'] asks of Django's hashing changed since the "
            "cache was published (support_js_module_import_aggregation=True then, Django's "
            "defaults now)",
        ),
    ],
)
def test_why_a_fingerprint_differs_is_told_in_one_line(published, reason):
    assert why_stale(published, CONTEXT) == reason
    assert "\n" not in reason


def test_a_package_the_app_gained_is_named():
    published = changed(pipeline=None)
    assert why_stale(published, changed(pipeline="4.1.0")) == (
        "stale: the cache was published without django-pipeline, the app has 4.1.0"
    )


def test_without_the_current_context_the_sources_are_blamed():
    """verify_static of an older build helper, or a report without it: the former message."""
    assert why_stale(CONTEXT, None) == SOURCES_CHANGED
    assert why_stale(None, None) == SOURCES_CHANGED


def test_the_fingerprint_is_the_one_committed_caches_carry():
    """The bytes hashed are those of every earlier version (a committed cache stays fresh):
    each source as "\\n<path>\\0<hash>", in order, after the header and the context."""
    import hashlib
    import json

    sources = [("css/a.css", "1" * 64), ("é/b.js", "2" * 64), ("bad\udcff.png", "3" * 64)]
    context = {"django": "5.2", "STATIC_URL": "/static/"}
    digest = hashlib.sha256(b"django-s3-static fingerprint 1\n")
    digest.update(json.dumps(context, sort_keys=True, default=repr).encode())
    for path, content_hash in sorted(sources):
        digest.update(b"\n" + path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(content_hash.encode())
    assert fingerprint(sources, context) == "sha256:" + digest.hexdigest()
