"""Publish records and the pruning plan built on them (pure)."""

from __future__ import annotations

import re

from django_s3_static.build.records import plan_prune
from django_s3_static.format.records import is_recorded, record_name, records
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.s3.types import RemoteObject

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


def test_plan_keeps_what_the_newest_records_reference_and_young_objects():
    inventory = {
        ".manifests/20260101T000000Z-local-aaaaaaaaaaaa.json": RemoteObject(1, "", 0),
        ".manifests/20260102T000000Z-local-bbbbbbbbbbbb.json": RemoteObject(1, "", 0),
        ".manifests/20260103T000000Z-local-cccccccccccc.json": RemoteObject(1, "", 0),
        "old.css": RemoteObject(1, "", 0),
        "mid.css": RemoteObject(1, "", 0),
        "new.css": RemoteObject(1, "", 0),
        "uploading.css": RemoteObject(1, "", 990),
        "committed.css": RemoteObject(1, "", 0),
    }
    kept = {
        ".manifests/20260102T000000Z-local-bbbbbbbbbbbb.json": cache("mid.css"),
        ".manifests/20260103T000000Z-local-cccccccccccc.json": cache("new.css"),
    }
    plan = plan_prune(inventory, kept, 2, min_age=60, now=1000, protected=["committed.css"])
    assert plan.delete == ["old.css"]
    assert plan.too_young == ["uploading.css"]
    assert plan.deleted_records == [".manifests/20260101T000000Z-local-aaaaaaaaaaaa.json"]
    assert plan.kept_records == list(kept)
