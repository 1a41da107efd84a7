"""The pruning plan: which records stay, which objects none of them references (pure)."""

from __future__ import annotations

from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.prune.plan import (
    broken,
    choose_records,
    new_records,
    plan_prune,
    sharing_apps,
    spare,
)
from django_s3_static.s3.types import RemoteObject

MD5 = "0" * 32
OLD = RemoteObject(1, "", 0)


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def record(day: int, app: str | None = None, digest: str = "a") -> str:
    suffix = f"-{app}" if app else ""
    return f".manifests/202601{day:02d}T000000Z-local-{digest * 12}{suffix}.json"


def test_plan_keeps_what_the_newest_records_reference_and_young_objects():
    inventory = {
        record(1): OLD,
        record(2): OLD,
        record(3): OLD,
        "old.css": OLD,
        "mid.css": OLD,
        "new.css": OLD,
        "uploading.css": RemoteObject(1, "", 990),
        "committed.css": OLD,
    }
    choice = choose_records(inventory, 2, min_age=60, now=1000)
    assert choice.kept == [record(2), record(3)] and choice.deleted == [record(1)]
    kept = {record(2): cache("mid.css"), record(3): cache("new.css")}
    plan = plan_prune(inventory, kept, choice, min_age=60, now=1000, protected=["committed.css"])
    assert plan.delete == ["old.css"]
    assert plan.too_young == ["uploading.css"]
    assert plan.deleted_records == [record(1)]
    assert plan.kept_records == list(kept)


def test_records_younger_than_the_minimum_age_are_kept_beyond_the_newest():
    """Builds within the hour and --keep 1: the ones before the newest may still be in use (a
    build reusing their objects, dynos still on them), so none of them goes."""
    young = {record(day): RemoteObject(1, "", 9_000 + day) for day in (2, 3)}
    inventory = {record(1): OLD, **young}
    choice = choose_records(inventory, 1, min_age=3600, now=10_000)
    assert choice.kept == [record(2), record(3)]
    assert choice.young == [record(2)]
    assert choice.deleted == [record(1)]
    assert choose_records(inventory, 1, min_age=0, now=10_000).deleted == [record(1), record(2)]


def test_interleaved_apps_are_two_apps_and_each_keeps_its_newest():
    names = [
        record(1, "staging"),
        record(2, "production"),
        record(3, "staging"),
        record(4, "staging"),
    ]
    assert sharing_apps(names) == {
        "production": [record(2, "production")],
        "staging": [record(1, "staging"), record(3, "staging"), record(4, "staging")],
    }
    choice = choose_records(dict.fromkeys(names, OLD), 1, min_age=0, now=1000)
    # --keep 1 counting both would keep staging's newest only, and delete production's release.
    assert choice.kept == [record(2, "production"), record(4, "staging")]
    assert choice.deleted == [record(1, "staging"), record(3, "staging")]


def test_labels_that_follow_each_other_are_one_app_and_unlabelled_records_count_with_it():
    """A purged build cache gives an app another id: its records follow the old ones, they do
    not interleave. Records written before labels existed (and publish_static's) have none."""
    names = [record(1), record(2, "cache-1a2b3c4d"), record(3, "cache-1a2b3c4d"), record(4)]
    names += [record(5, "cache-9e8f7a6b"), record(6, "cache-9e8f7a6b")]
    assert sharing_apps(names) == {}
    choice = choose_records(dict.fromkeys(names, OLD), 2, min_age=0, now=1000)
    assert choice.kept == names[-2:]
    assert choice.deleted == names[:-2]


def test_a_record_written_after_the_listing_spares_what_it_uses():
    inventory = {record(1): OLD, record(2): OLD, "a.css": OLD, "b.css": OLD, "c.css": OLD}
    choice = choose_records(inventory, 1, min_age=0, now=1000)
    plan = plan_prune(inventory, {record(2): cache("c.css")}, choice, 0, 1000)
    assert plan.delete == ["a.css", "b.css"]
    late = record(3, "app")  # a revert to record(1)'s state, built while prune planned
    assert new_records([*inventory, late, "css/x.css"], inventory) == [late]
    spared = spare(plan, {late: cache("a.css")})
    assert spared.delete == ["b.css"]
    assert spared.kept_records == [record(2), late]
    assert spared.deleted_records == [record(1)]


def test_a_record_written_while_deleting_is_named_with_what_it_lost():
    during = {record(5, "app"): cache("a.css", "b.css", "k.css"), record(6, "app"): cache("k.css")}
    assert broken(during, ["a.css", "b.css", "z.css"]) == {record(5, "app"): ["a.css", "b.css"]}
    assert broken(during, ["z.css"]) == {}
