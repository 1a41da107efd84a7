"""The slug's cache level as a Django cache backend: the same answers whether its names come from
the dyno's form or from the static cache itself, one table per process, writes kept in it."""

from __future__ import annotations

import pytest

from django_s3_static.cache.levels import _raw_key_class
from django_s3_static.format import dyno_form, static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.runtime import slug_level
from django_s3_static.runtime.slug_level import SlugManifestCache

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PATHS = {f"css/f{index}.css": f"css/f{index}.0123456789ab.css" for index in range(50)}


def cache_file(folder, form: bool) -> str:
    cache = StaticCache(
        "sha256:x", "bkt", "static", dict(PATHS), {v: StaticObject(1, MD5) for v in PATHS.values()}
    )
    path = static_cache.write(cache, str(folder))
    if form:
        dyno_form.write(cache, path)
    return path


def operations(level: SlugManifestCache) -> list:
    """A run of every operation the level has, and what each answered."""
    return [
        level.get("css/f1.css"),
        level.get("css/none.css", "default"),
        level.has_key("css/f2.css"),
        level.add("css/f3.css", "other"),
        level.add("css/new.css", "new"),
        level.get("css/new.css"),
        level.touch("css/f4.css"),
        level.delete("css/f5.css"),
        level.delete("css/f5.css"),
        level.get("css/f5.css"),
        level.set("css/f6.css", "replaced"),
        level.get("css/f6.css"),
        level.set("css/f7.css", "v2", version=2),
        level.get("css/f7.css", version=2),
        level.get("css/f7.css"),
        level.published_location(),
        level.clear(),
        level.get("css/f1.css"),
        level.get("css/new.css"),
        level.get("css/f7.css", version=2),
    ]


@pytest.mark.parametrize(
    "params",
    [{}, {"KEY_PREFIX": "p", "VERSION": 3}, {"KEY_FUNCTION": lambda k, p, v: f"{v}|{k}"}],
    ids=["default keys", "prefix and version", "own key function"],
)
def test_the_form_answers_as_the_static_cache(tmp_path, params):
    from_form = SlugManifestCache(cache_file(tmp_path / "form", True), dict(params))
    from_cache = SlugManifestCache(cache_file(tmp_path / "cache", False), dict(params))
    assert operations(from_form) == operations(from_cache)
    assert isinstance(slug_level.table(from_form.path).names, slug_level.Written)
    assert isinstance(slug_level.table(from_cache.path).names, dict)


def test_under_a_chain_keys_come_made(tmp_path):
    """A chain's level takes keys as the chain made them, with the same options."""
    path = cache_file(tmp_path, True)
    raw = _raw_key_class(SlugManifestCache)(path, {})
    assert raw.get(":1:css/f1.css") == PATHS["css/f1.css"]
    assert raw.get("css/f1.css") is None


def test_every_instance_of_a_process_shares_one_table(tmp_path):
    """Django makes a backend per thread, and the chain its own level: one read, one table."""
    path = cache_file(tmp_path, True)
    first, second = SlugManifestCache(path, {}), SlugManifestCache(path, {})
    first.set("css/new.css", "written")
    assert second.get("css/new.css") == "written"
    assert first._slug_table() is second._slug_table() is slug_level.table(path)


def test_a_backend_made_after_the_static_cache_changed_reads_it_again(tmp_path):
    """A developer's process that publishes again: a new backend (a new thread's) sees it."""
    path = cache_file(tmp_path, True)
    assert SlugManifestCache(path, {}).get("css/f1.css") == PATHS["css/f1.css"]
    newer = StaticCache(
        "sha256:y", "bkt", "static", {"css/new.css": "css/new.0123456789ab.css"}, {}
    )
    newer.objects = {"css/new.0123456789ab.css": StaticObject(1, MD5)}
    dyno_form.write(newer, static_cache.write(newer, str(tmp_path)))
    fresh = SlugManifestCache(path, {})
    assert fresh.get("css/new.css") == "css/new.0123456789ab.css"
    assert fresh.get("css/f1.css") is None
