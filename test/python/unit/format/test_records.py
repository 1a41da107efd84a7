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
