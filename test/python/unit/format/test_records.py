"""Publish records' names: sorted by time, carrying the commit, the digest and the app (pure)."""

from __future__ import annotations

import re

from django_s3_static.format.records import app_label, is_recorded, parse, record_name, records
from django_s3_static.format.static_cache import StaticCache, StaticObject

MD5 = "0" * 32


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def test_record_names_sort_by_time_and_carry_the_digest():
    first = record_name(cache("a"), 1_800_000_000, "0123456789abcdef")
    later = record_name(cache("a"), 1_800_000_060, None)
    assert re.fullmatch(r"\.manifests/20270115T080000Z-0123456789ab-[0-9a-f]{12}\.json", first)
    assert later.split("-", 1)[1].startswith("local-")
    assert records([later, "css/a.css", first]) == [first, later]
    assert is_recorded(cache("a"), [first])
    assert not is_recorded(cache("b"), [first])


def test_a_build_names_its_app_after_the_digest_and_older_names_still_parse():
    named = record_name(cache("a"), 1_800_000_000, "3f9c2a1b7d4e", "my-app-staging")
    assert named.endswith("-my-app-staging.json")
    parts = parse(named)
    assert (parts.stamp, parts.commit, parts.app) == (
        "20270115T080000Z",
        "3f9c2a1b7d4e",
        "my-app-staging",
    )
    assert parts.digest == parse(record_name(cache("a"), 0, None)).digest
    text = cache("a").to_json()  # the serialised cache, when the caller has it: the same name
    assert record_name(cache("a"), 1_800_000_000, "3f9c2a1b7d4e", "my-app-staging", text) == named
    old = ".manifests/20261127T221503Z-3f9c2a1b7d4e-9a1c0e55b2f3.json"
    assert parse(old).app is None and parse(old).digest == "9a1c0e55b2f3"
    assert records([named, old]) == [old, named]


def test_names_that_are_not_records_are_ignored():
    assert parse(".manifests/20261127T221503Z-abc-9a1c0e55b2f3-Upper.json") is None
    assert parse(".manifests/20261127T221503Z-abc-9a1c0e55b2f3-.json") is None
    assert parse("css/20261127T221503Z-abc-9a1c0e55b2f3.json") is None
    assert records([".manifests/notes.txt", ".manifests/x.json"]) == []


def test_app_labels_keep_heroku_app_names_and_clean_the_rest():
    assert app_label("my-app-staging") == "my-app-staging"
    assert app_label("  My App_2 ") == "my-app-2"
    assert app_label("---") is None
    assert app_label("") is None
    assert len(app_label("a" * 60)) == 40
    label = app_label("x" * 39 + "-y")
    assert not label.endswith("-") and parse(
        f".manifests/20261127T221503Z-a-{'0' * 12}-{label}.json"
    )


def test_the_newest_record_of_this_cache_by_this_app_stands_for_a_new_release():
    """A build whose cache the newest record already records, for its app, writes none: prune
    keeps that record (the newest of all is the newest of its app's), and what it uses."""
    from django_s3_static.format.records import standing

    now = 1_800_000_000
    ours = record_name(cache("a"), now - 600, "3f9c2a1b7d4e", "my-app")
    digest = parse(ours).digest
    theirs = record_name(cache("b"), now - 300, "0c1d2e3f4a5b", "my-app")
    other_app = record_name(cache("a"), now - 300, "3f9c2a1b7d4e", "my-app-staging")
    assert standing({ours: now - 600, "css/a.css": now}, digest, "my-app", now) == ours
    # Another commit of the same cache: the record's pointer is the same, its commit a label.
    assert standing({ours: now - 600}, digest, "my-app", now) == ours
    # A newer record of another cache (a revert to this one is a new release): one is written.
    assert standing({ours: now - 600, theirs: now - 300}, digest, "my-app", now) is None
    # The newest is another app's (or label's), or of no app: the record is this app's own.
    assert standing({ours: now - 600, other_app: now - 300}, digest, "my-app", now) is None
    assert standing({ours: now - 600}, digest, None, now) is None
    # Another cache, or no record at all.
    assert standing({ours: now - 600}, parse(theirs).digest, "my-app", now) is None
    assert standing({}, digest, "my-app", now) is None
    # S3 contradicts the name's time (a copied or planted record), or gave no time at all.
    assert standing({ours: now + 7200}, digest, "my-app", now + 7200) is None
    assert standing({ours: None}, digest, "my-app", now) is None
    assert standing({ours: now - 600, theirs: None}, digest, "my-app", now) is None
