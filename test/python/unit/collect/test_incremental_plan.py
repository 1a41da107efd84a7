"""The bookkeeping of an incremental collect: changes, carried records, the new objects."""

import pytest

from django_s3_static.collect.incremental_plan import (
    Unvouched,
    carried_references,
    changes,
    merge,
    new_objects,
)
from django_s3_static.format.static_cache import StaticObject


def test_changes_by_digest():
    found = changes(
        {"a.css": "1" * 16, "b.png": "2" * 16, "gone.js": "3" * 16},
        {"a.css": "9" * 16, "b.png": "2" * 16, "new.png": "4" * 16},
    )
    assert (found.changed, found.added, found.removed) == (["a.css"], ["new.png"], ["gone.js"])
    assert found.names == {"a.css", "new.png", "gone.js"}
    assert found.describe() == "1 changed (a.css), 1 added (new.png), 1 removed (gone.js)"
    assert changes({"a": "1" * 16}, {"a": "1" * 16}).describe() == "nothing"


def test_describe_names_the_first_few():
    many = changes({}, {f"img/{i}.png": "0" * 16 for i in range(5)})
    assert many.describe(limit=2) == "5 added (img/0.png, img/1.png and 3 more)"


def test_carried_references_keep_unprocessed_present_files_and_take_fresh_ones():
    recorded = {"a.css": ["x.png"], "b.css": ["old.png"], "gone.css": ["x.png"]}
    fresh = {"b.css": ["new.png"], "c.css": [], "d.css": ["x.png"]}
    merged = carried_references(recorded, fresh, {"b.css", "c.css", "d.css"}, {"a.css", "b.css"})
    assert merged == {"a.css": ["x.png"], "b.css": ["new.png"], "d.css": ["x.png"]}


def committed():
    return {
        "a.css": StaticObject(1, "a" * 32),
        "a.111111111111.css": StaticObject(1, "a" * 32),
        "b.png": StaticObject(2, "b" * 32, None, None),
        "b.222222222222.png": StaticObject(2, "b" * 32),
        "old.png": StaticObject(3, "c" * 32),
        "old.333333333333.png": StaticObject(3, "c" * 32),
    }


def test_new_objects_carry_committed_entries_whole_and_take_what_was_written():
    gzipped = StaticObject(9, "f" * 32, "gzip", "sha384-" + "A" * 64)
    before = {**committed(), "a.111111111111.css": gzipped}
    manifest = {"a.css": "a.111111111111.css", "b.png": "b.999999999999.png"}
    produced = {"b.png": {"size": 5, "md5": "e" * 32}, "b.999999999999.png": {"size": 5}}
    objects, dropped = new_objects({"a.css", "b.png"}, manifest, produced, before)
    assert objects["a.111111111111.css"] is gzipped  # carried over whole
    assert objects["b.png"] == produced["b.png"]
    assert set(objects) == {"a.css", "a.111111111111.css", "b.png", "b.999999999999.png"}
    assert dropped == ["b.222222222222.png", "old.333333333333.png", "old.png"]


def test_a_name_nobody_can_vouch_for_stops_it():
    with pytest.raises(Unvouched, match="the committed cache has no object c.css"):
        new_objects({"c.css"}, {}, {}, committed())


def test_a_file_a_full_collect_would_not_keep_stops_it():
    with pytest.raises(Unvouched, match="post-processing wrote x.12.css, which a full collect"):
        new_objects({"a.css"}, {}, {"x.12.css": {}, "a.css": {}}, committed())


def test_a_source_named_like_a_hashed_copy_stops_it():
    manifest = {"a.css": "a.111111111111.css", "a.111111111111.css": "a.111111111111.2.css"}
    with pytest.raises(Unvouched, match=r"named like another's hashed copy \(a.111111111111"):
        new_objects({"a.css", "a.111111111111.css"}, manifest, {}, committed())


def test_merge_applies_what_the_app_process_sent_to_the_committed_tables():
    paths = {"a.css": "a.1.css", "b.png": "b.2.png", "old.png": "old.3.png"}
    objects = {name: StaticObject(1, "a" * 32) for name in [*paths, *paths.values()]}
    record = {
        "digests": {"a.css": "1" * 16, "b.png": "2" * 16, "old.png": "3" * 16},
        "missing": {"a.css": ["gone.png"]},
        "packages": None,
        "references": {"a.css": ["b.png", "gone.png"]},
    }
    collected = {  # b.png changed, old.png removed; a.css refers to b.png and is reached
        "paths": {"a.css": "a.9.css", "b.png": "b.8.png"},
        "removed": ["old.png"],
        "dropped": ["a.1.css", "b.2.png", "old.png", "old.3.png"],
        "digests": {"b.png": "9" * 16},
        "removed_sources": ["old.png"],
        "references": {"a.css": ["b.png"]},
        "missing": {},
        "packages": None,
    }
    produced = {name: StaticObject(2, "b" * 32) for name in ("a.9.css", "b.png", "b.8.png")}
    merged = merge(paths, objects, record, collected, produced)
    assert merged.paths == {"a.css": "a.9.css", "b.png": "b.8.png"}
    assert set(merged.objects) == {"a.css", "a.9.css", "b.png", "b.8.png"}
    assert merged.objects["a.css"] is objects["a.css"] and merged.kept == 1
    assert merged.incremental == {
        "digests": {"a.css": "1" * 16, "b.png": "9" * 16},
        "missing": {},
        "packages": None,
        "references": {"a.css": ["b.png"]},
    }
    assert merged.missing_references == []
