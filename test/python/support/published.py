"""The static cache a build writes from the app's process's report of a full collect."""

from __future__ import annotations

from django_s3_static.format.static_cache import StaticCache, StaticObject


def cache_from_report(report: dict, prefix: str = "") -> StaticCache:
    """What ``publish`` makes of a ``collect.run(root)`` report: every table, the finders record
    and the incremental section included (bucket "bucket")."""
    found = report["collected"]
    return StaticCache(
        report["fingerprint"],
        "bucket",
        prefix,
        found["paths"],
        {name: StaticObject(**obj) for name, obj in found["objects"].items()},
        finders=report["finders"],
        built_with=report["context"],
        incremental=found["incremental"],
    )
