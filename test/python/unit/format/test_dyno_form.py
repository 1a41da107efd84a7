"""The dyno's form of the static cache: what the build writes beside it and what a dyno reads."""

from __future__ import annotations

import json
import os

import pytest

from django_s3_static.format import dyno_form, static_cache
from django_s3_static.format.location import Location
from django_s3_static.format.static_cache import StaticCache, StaticObject

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
DIGEST = "sha384-" + "A" * 64
#: Names that are prefixes of others or sort next to them ('-', '.', '/' around the tab that ends
#: a name in the file), names beyond ASCII, and enough of them for a deep bisection.
NAMES = [
    "a",
    "a.css",
    "a/b.css",
    "a-b.css",
    "A.css",
    "z.css",
    "é.css",
    "\uff5e.css",
    "\U0001f600/x.js",
    "css/site.css",
    *(f"css/s{index:03d}/style{index:05d}.css" for index in range(0, 2000, 7)),
]


def hashed(name: str) -> str:
    root, extension = os.path.splitext(name)
    return f"{root}.0123456789ab{extension}"


def sample(digests: bool = True) -> StaticCache:
    paths = {name: hashed(name) for name in NAMES}
    objects = {value: StaticObject(10, MD5) for value in paths.values()}
    objects.update({name: StaticObject(10, MD5) for name in NAMES})
    if digests:
        for name in NAMES[::2]:
            objects[hashed(name)] = StaticObject(10, MD5, "gzip", DIGEST)
            objects[name] = StaticObject(10, MD5, "gzip", "sha384-" + "U" * 64)
    return StaticCache("sha256:x", "bkt", "static", paths, objects, endpoint="")


def written(tmp_path, cache: StaticCache | None = None) -> str:
    cache = cache or sample()
    cache_file = static_cache.write(cache, str(tmp_path))
    dyno_form.write(cache, cache_file)
    return cache_file


def test_every_name_reads_back_as_the_static_cache_has_it(tmp_path):
    cache_file = written(tmp_path)
    names = dyno_form.read_names(cache_file)
    assert {name: names.paths.get(name) for name in NAMES} == sample().paths
    assert dict(names.paths.items()) == sample().paths
    for missing in ["", "b", "a.cs", "css/site.css/", "zz", "\x00", "é", "~.css"]:
        assert names.paths.get(missing) is None, missing
    assert names.published == Location("bkt", "static", "")
    assert names.source == dyno_form.source_of(cache_file)


def test_the_digests_are_those_of_the_hashed_names_pages_link_to(tmp_path):
    cache_file = written(tmp_path)
    names = dyno_form.read_names(cache_file)
    digests = dyno_form.read_digests(cache_file, names)
    assert names.digests == len(NAMES[::2])
    assert dict(digests.items()) == {hashed(name): DIGEST for name in NAMES[::2]}
    assert digests.get(NAMES[0]) is None  # the unhashed copy's digest is never rendered


def test_a_cache_without_digests_has_no_digests_file(tmp_path):
    cache_file = written(tmp_path)
    dyno_form.write(sample(digests=False), cache_file)
    assert not os.path.exists(dyno_form.digests_path(cache_file))
    assert dyno_form.read_names(cache_file).digests == 0


def test_no_form_beside_the_static_cache(tmp_path):
    cache_file = static_cache.write(sample(), str(tmp_path))
    assert dyno_form.read_names(cache_file) is None
    assert dyno_form.belongs(cache_file) is None


def test_a_static_cache_of_another_size_is_not_the_forms(tmp_path):
    cache_file = written(tmp_path)
    with open(cache_file, "a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(dyno_form.FormError, match="made from a static cache of \\d+ bytes, not"):
        dyno_form.read_names(cache_file)
    assert "made from another static cache" in dyno_form.belongs(cache_file)


def test_a_static_cache_of_the_same_size_is_told_by_its_digest(tmp_path):
    """A dyno compares sizes only; the check reads the whole file."""
    cache_file = written(tmp_path)
    with open(cache_file, encoding="utf-8") as handle:
        text = handle.read()
    with open(cache_file, "w", encoding="utf-8") as handle:
        handle.write(text.replace("0123456789ab", "ba9876543210", 1))
    assert dyno_form.read_names(cache_file) is not None
    assert "made from another static cache" in dyno_form.belongs(cache_file)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: data[:-10], "is not whole"),
        (lambda data: data + b"x\ty\n", "is not whole"),
        (lambda data: b"{" + data, "has no header line"),
        (lambda data: b"", "has no header line"),
        (lambda data: data.replace(b'"version": 1', b'"version": 2', 1), "not a version 1"),
        (lambda data: data.replace(b'"bytes"', b'"size"', 1), "which static cache"),
        (lambda data: data.replace(b'"location"', b'"place"', 1), "no location"),
    ],
    ids=["cut", "grown", "header", "empty", "version", "source", "location"],
)
def test_a_damaged_names_file_is_refused_with_why(tmp_path, damage, message):
    cache_file = written(tmp_path)
    path = dyno_form.names_path(cache_file)
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(damage(data))
    with pytest.raises(dyno_form.FormError, match=message):
        dyno_form.read_names(cache_file)


def test_a_digests_file_of_another_static_cache_is_refused(tmp_path):
    cache_file = written(tmp_path)
    names = dyno_form.read_names(cache_file)
    path = dyno_form.digests_path(cache_file)
    with open(path, "rb") as handle:
        header, _, body = handle.read().partition(b"\n")
    found = json.loads(header)
    found["static_cache"]["sha256"] = "0" * 64
    with open(path, "wb") as handle:
        handle.write(json.dumps(found).encode() + b"\n" + body)
    with pytest.raises(dyno_form.FormError, match="made from another static cache"):
        dyno_form.read_digests(cache_file, names)
    os.remove(path)
    with pytest.raises(dyno_form.FormError, match="is missing"):
        dyno_form.read_digests(cache_file, names)


def test_a_name_with_a_tab_is_refused_at_build_time(tmp_path):
    cache = sample()
    cache.paths["tab\there.css"] = "tab\there.0123456789ab.css"
    cache_file = static_cache.write(sample(), str(tmp_path))
    with pytest.raises(ValueError, match="holds a tab or a line break"):
        dyno_form.write(cache, cache_file)
