"""The pruning plan: which records stay, which objects none of them references (pure)."""

from __future__ import annotations

from django_s3_static.format.record_bodies import cache_name
from django_s3_static.format.records import (
    CLOCK_SKEW,
    MAX_WRITE_DELAY,
    parse,
    stamp_lies,
    stamp_time,
)
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.prune.plan import (
    broken,
    choose_records,
    nested_prefixes,
    new_records,
    outside,
    plan_prune,
    spare,
)
from django_s3_static.s3.types import RemoteObject

MD5 = "0" * 32
DAY = 86_400.0
NOW = stamp_time("20260201T000000Z")
OLD = RemoteObject(1, "", 0)


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def record(day: int, app: str | None = None, digest: str = "a") -> str:
    suffix = f"-{app}" if app else ""
    return f".manifests/202601{day:02d}T000000Z-local-{digest * 12}{suffix}.json"


def stored(name: str, delay: float = 2.0) -> RemoteObject:
    """As S3 lists a record its name's writer stored: LastModified a moment after its name."""
    return RemoteObject(1, "", stamp_time(parse(name).stamp) + delay)


def listed(*names: str) -> dict[str, RemoteObject]:
    return {name: stored(name) for name in names}


def test_plan_keeps_what_the_newest_records_reference_and_young_objects():
    inventory = {
        **listed(record(1), record(2), record(3)),
        "old.css": OLD,
        "mid.css": OLD,
        "new.css": OLD,
        "uploading.css": RemoteObject(1, "", NOW - 10),
        "committed.css": OLD,
    }
    choice = choose_records(inventory, 2, min_age=60, now=NOW)
    assert choice.kept == [record(2), record(3)] and choice.deleted == [record(1)]
    kept = {record(2): cache("mid.css"), record(3): cache("new.css")}
    plan = plan_prune(inventory, kept, choice, min_age=60, now=NOW, protected=["committed.css"])
    assert plan.delete == ["old.css"]
    assert plan.too_young == ["uploading.css"]
    assert plan.deleted_records == [record(1)]
    assert plan.kept_records == list(kept)


def test_records_younger_than_the_minimum_age_are_kept_beyond_the_newest():
    """Builds within the minimum age and --keep 1: the ones before the newest may still be in
    use (a build reusing their objects, dynos still on them), so none of them goes."""
    inventory = listed(record(1), record(2), record(3))  # a day apart
    now = inventory[record(3)].modified + 600
    choice = choose_records(inventory, 1, min_age=2 * DAY, now=now)
    assert choice.kept == [record(2), record(3)]
    assert choice.young == [record(2)]
    assert choice.deleted == [record(1)]
    assert choose_records(inventory, 1, min_age=0, now=now).deleted == [record(1), record(2)]


def test_records_are_ordered_by_the_time_s3_stored_them_not_by_their_names():
    """A name's time is the writer's; S3's LastModified is not. Two builds whose clocks differ
    by ten minutes (within what S3 accepts): the one stored last is the newest."""
    first, second = record(10, "shop", "a"), record(10, "shop", "b")
    inventory = {first: stored(first, delay=600), second: stored(second, delay=-300)}
    choice = choose_records(inventory, 1, min_age=0, now=NOW)
    assert choice.kept == [first] and choice.deleted == [second]


def test_records_named_in_the_future_count_for_no_app_and_keep_what_they_use():
    """Build keys may write records. Three named in the year 9999 (and stored now) would be the
    newest three for ever, and --keep 1 would delete the running release's objects."""
    real = [record(20, "shop", "a"), record(21, "shop", "b")]
    planted = [f".manifests/99991231T235959Z-evil-{d * 12}-shop.json" for d in "cde"]
    inventory = {**listed(*real), **dict.fromkeys(planted, RemoteObject(1, "", NOW - 60))}
    choice = choose_records(inventory, 1, min_age=0, now=NOW)
    assert choice.untrusted == planted
    assert choice.apps == {"shop": real}
    assert set(choice.kept) == {real[1], *planted} and choice.deleted == [real[0]]
    kept = {real[1]: cache("live.css"), **{name: cache() for name in planted}}
    inventory["live.css"] = inventory["old.css"] = OLD
    plan = plan_prune(inventory, kept, choice, 0, NOW)
    assert plan.delete == ["old.css"]


def test_a_name_s3_contradicts_is_a_lie_within_the_skew_s3_accepts():
    written = stamp_time("20260115T120000Z")
    assert not stamp_lies("20260115T120000Z", written + 2, NOW)
    assert not stamp_lies("20260115T120000Z", written - CLOCK_SKEW + 1, NOW)  # a fast clock
    assert stamp_lies("20260115T120000Z", written - CLOCK_SKEW - 1, NOW)  # later than stored
    assert not stamp_lies("20260115T120000Z", written + MAX_WRITE_DELAY - 1, NOW)
    assert stamp_lies("20260115T120000Z", written + MAX_WRITE_DELAY + 1, NOW)  # far older
    assert stamp_lies("99991231T235959Z", None, NOW)  # no LastModified: the future still lies
    assert not stamp_lies("20000101T000000Z", None, NOW)
    assert stamp_lies("20261399T000000Z", written, NOW)  # no such date
    inventory = {record(3): stored(record(3), delay=2 * MAX_WRITE_DELAY), **listed(record(4))}
    choice = choose_records(inventory, 1, min_age=0, now=NOW)
    assert choice.untrusted == [record(3)] and choice.kept == [record(3), record(4)]


def test_every_app_keeps_its_newest_though_their_records_do_not_interleave():
    """Production builds three times, then staging, sharing the prefix, four times: --keep 3
    over both would keep staging's three and delete production's running release."""
    production = [record(day, "shop-prod") for day in (1, 2, 3)]
    staging = [record(day, "shop-staging") for day in (4, 5, 6, 7)]
    choice = choose_records(listed(*production, *staging), 3, min_age=0, now=NOW)
    assert choice.kept == production + staging[1:]
    assert choice.deleted == staging[:1]
    assert choice.apps == {"shop-prod": production, "shop-staging": staging}


def test_records_without_an_app_take_no_app_s_place():
    """publish_static run three times from a laptop after the app's two releases: --keep 2
    keeps the app's two, and the newest two unlabelled records besides."""
    app = [record(1, "shop"), record(2, "shop")]
    unlabelled = [record(day, digest=str(day)) for day in (3, 4, 5)]
    choice = choose_records(listed(*app, *unlabelled), 2, min_age=0, now=NOW)
    assert choice.kept == app + unlabelled[1:]
    assert choice.deleted == unlabelled[:1]
    assert list(choice.apps) == ["shop"]


def test_labels_named_as_one_app_count_together():
    """A purged build cache gives an app another id: told so, prune counts both ids as one."""
    names = [record(1, "cache-1a2b3c4d"), record(2, "cache-1a2b3c4d"), record(3, "cache-9e8f7a6b")]
    inventory = listed(*names)
    apart = choose_records(inventory, 1, min_age=0, now=NOW)
    assert apart.kept == names[1:]
    together = choose_records(inventory, 1, 0, NOW, same_app=[["cache-9e8f7a6b", "cache-1a2b3c4d"]])
    assert together.kept == names[2:] and together.deleted == names[:2]
    assert list(together.apps) == ["cache-1a2b3c4d, cache-9e8f7a6b"]


def test_deeper_prefixes_with_records_of_their_own_are_left_alone():
    """A review app at static/pr-42 inside production's static: its records are not this
    prefix's records, and its objects are not this prefix's to delete."""
    names = [
        ".manifests/20260101T000000Z-local-aaaaaaaaaaaa.json",
        "css/site.css",
        "pr-42/.manifests/20260101T000000Z-local-bbbbbbbbbbbb-shop-pr-42.json",
        "pr-42/css/site.css",
        "pr-42/deeper/.manifests/caches/x.json.gz",
        "team/a/.manifests/20260101T000000Z-local-cccccccccccc.json",
        "team/a/x.css",
        "team/b.css",
        "notes/.manifests",  # a file of that name holds no records
    ]
    assert nested_prefixes(names) == ["pr-42", "team/a"]
    left = outside(dict.fromkeys(names, OLD), ["pr-42", "team/a"])
    assert sorted(left) == [names[0], "css/site.css", "notes/.manifests", "team/b.css"]


def test_stored_caches_stay_while_a_kept_record_points_to_them():
    used, unused, young = cache_name("1" * 64), cache_name("2" * 64), cache_name("3" * 64)
    inventory = {
        **listed(record(1), record(2)),
        used: OLD,
        unused: OLD,
        young: RemoteObject(1, "", NOW - 5),  # a build stores its cache, then its pointer
        ".manifests/notes.txt": OLD,
        "a.css": OLD,
    }
    choice = choose_records(inventory, 1, min_age=60, now=NOW)
    plan = plan_prune(inventory, {record(2): cache("a.css")}, choice, 60, NOW, caches=[used])
    assert plan.deleted_caches == [unused]
    assert plan.too_young == [young]
    assert plan.delete == [] and plan.deleted_records == [record(1)]


def test_a_record_written_after_the_listing_spares_what_it_uses():
    inventory = {**listed(record(1), record(2)), "a.css": OLD, "b.css": OLD, "c.css": OLD}
    stale = cache_name("4" * 64)
    inventory[stale] = OLD
    choice = choose_records(inventory, 1, min_age=0, now=NOW)
    plan = plan_prune(inventory, {record(2): cache("c.css")}, choice, 0, NOW)
    assert plan.delete == ["a.css", "b.css"] and plan.deleted_caches == [stale]
    late = record(3, "app")  # a revert to record(1)'s state, built while prune planned
    assert new_records([*inventory, late, "css/x.css"], inventory) == [late]
    spared = spare(plan, {late: cache("a.css")}, [stale])
    assert spared.delete == ["b.css"] and spared.deleted_caches == []
    assert spared.kept_records == [record(2), late]
    assert spared.deleted_records == [record(1)]


def test_a_record_written_while_deleting_is_named_with_what_it_lost():
    during = {record(5, "app"): cache("a.css", "b.css", "k.css"), record(6, "app"): cache("k.css")}
    assert broken(during, ["a.css", "b.css", "z.css"]) == {record(5, "app"): ["a.css", "b.css"]}
    assert broken(during, ["z.css"]) == {}
