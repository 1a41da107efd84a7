"""The committed cache's hashed names against the sources' content (pure)."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.staticfiles.storage import HashedFilesMixin
from django.core.files.base import ContentFile

from django_s3_static.format import hashed_names
from django_s3_static.format.hashed_names import NOT_CHECKED, Recorded, recorded

NAMES = ["css/site.css", "img/logo.min.png", "LICENSE", ".hidden", "a/b/c.tar.gz", "v1.2/file"]


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("name", NAMES)
def test_the_name_is_the_one_djangos_hashing_gives(name):
    data = f"content of {name}".encode()
    django = HashedFilesMixin.hashed_name(HashedFilesMixin(), name, ContentFile(data))
    assert hashed_names.hashed_name(name, md5(data)) == django


APP, SITE = b"app();\n", b"body { background: url(logo.png) }\n"
MD5S = {"js/app.js": md5(APP), "css/site.css": md5(SITE)}
TRUE = {
    "js/app.js": hashed_names.hashed_name("js/app.js", md5(APP)),
    "css/site.css": "css/site.0123456789ab.css",  # post-processed: another content's name
}


def test_names_of_the_content_or_of_its_post_processing_are_tied():
    assert hashed_names.unproven(TRUE, MD5S) == ["css/site.css"]
    rewritten = {"css/site.css": "css/site.0123456789ab.css"}
    assert hashed_names.untied(TRUE, MD5S, rewritten) == []
    # Sources the manifest does not name, and names that are not sources, are not its to judge.
    assert hashed_names.untied(TRUE, {**MD5S, "img/new.png": md5(b"new")}, rewritten) == []
    assert hashed_names.untied({**TRUE, "css/all.css": "css/all.1.css"}, MD5S, rewritten) == []


def test_a_name_pointing_back_at_an_older_object_is_named_with_why():
    old = hashed_names.hashed_name("js/app.js", md5(b"old();\n"))
    edited = {**TRUE, "js/app.js": old, "css/site.css": "css/site.ffffffffffff.css"}
    rewritten = {"css/site.css": "css/site.0123456789ab.css"}
    assert hashed_names.untied(edited, MD5S, rewritten) == [
        "css/site.css is recorded as css/site.ffffffffffff.css, but post-processing it gives "
        "css/site.0123456789ab.css",
        f"js/app.js is recorded as {old}, but its content gives {TRUE['js/app.js']}",
    ]
    # A post-processed file that could not be computed again is not taken on trust.
    assert hashed_names.untied(edited, MD5S, {}) == [
        "css/site.css is recorded as css/site.ffffffffffff.css, but its content gives "
        f"{hashed_names.hashed_name('css/site.css', md5(SITE))}",
        f"js/app.js is recorded as {old}, but its content gives {TRUE['js/app.js']}",
    ]
    # django-pipeline's outputs are built, not sources: skipped.
    assert hashed_names.untied(edited, MD5S, rewritten, skip={"css/site.css", "js/app.js"}) == []


def test_the_reason_names_the_first_few_and_counts_the_rest():
    found = [f"n{i} is recorded as x, but its content gives y" for i in range(5)]
    reason = hashed_names.describe(found)
    assert reason.startswith("untrusted: 5 hashed names not of today's sources (n0 is recorded")
    assert "n2 is recorded as x" in reason and "n3 is" not in reason and "; and 2 more)" in reason
    assert reason.endswith("the static cache was edited, or merged by hand, since it was published")
    assert hashed_names.describe(found[:1]).startswith("untrusted: 1 hashed name not of today's")
    assert hashed_names.describe([NOT_CHECKED]) == f"untrusted: {NOT_CHECKED}"


def test_what_the_check_reads_of_a_document():
    document = {
        "fingerprint": "sha256:1",
        "paths": {"a.css": "a.1.css"},
        "incremental": {"references": {"a.css": ["b.png"]}, "packages": {"all.css": ["a.css"]}},
    }
    assert recorded(document) == Recorded(
        "sha256:1", {"a.css": "a.1.css"}, frozenset({"a.css"}), frozenset({"all.css"})
    )
    assert recorded({**document, "incremental": None}).rewritten == frozenset()
    for broken in (
        [],
        {"paths": {}},
        {**document, "paths": {"a.css": 1}},
        {**document, "paths": []},
    ):
        assert recorded(broken) is None
