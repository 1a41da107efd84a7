"""What a release record holds: a pointer to a cache stored once, or (earlier versions) the
whole cache (pure)."""

from __future__ import annotations

import gzip
import json

import pytest

from django_s3_static.format import record_bodies
from django_s3_static.format.record_bodies import (
    cache_name,
    is_cache_name,
    read_cache,
    read_record,
    sha256,
    stored,
)
from django_s3_static.format.records import parse, record_name
from django_s3_static.format.static_cache import CacheError, StaticCache, StaticObject

MD5 = "0" * 32


def large_cache(count: int = 10_000) -> StaticCache:
    """A cache of ``count`` objects, as a 10,000-file app's build makes it."""
    objects = {
        f"app{i % 40}/css/file-{i}.0123456789ab.css": StaticObject(1234, MD5) for i in range(count)
    }
    paths = {
        f"app{i % 40}/css/file-{i}.css": f"app{i % 40}/css/file-{i}.0123456789ab.css"
        for i in range(count)
    }
    return StaticCache("sha256:" + "f" * 64, "bucket", "static", paths, objects)


def test_a_release_of_a_stored_cache_writes_a_pointer_of_a_few_dozen_bytes():
    cache = large_cache()
    text = cache.to_json()
    assert len(text) > 1_000_000  # what every build used to PUT
    digest = sha256(text)
    name = record_name(cache, 1_800_000_000, "3f9c2a1b7d4e", "shop", text)
    first = stored(text, name, digest, present=False)
    assert [item.name for item in first] == [cache_name(digest), name]  # the cache first
    assert first[0].content_type == "application/gzip"
    assert len(first[0].body) < len(text) / 5
    again = stored(text, name, digest, present=True)
    assert [item.name for item in again] == [name] and len(again[0].body) < 200
    assert stored(text, name, digest, present=False)[0].body == first[0].body  # same bytes

    pointer = read_record(again[0].body, parse(name).digest)
    assert pointer.cache_name == cache_name(digest) and pointer.cache is None
    assert read_cache(first[0].body, pointer.cache_name).objects == cache.objects


def test_a_record_of_an_earlier_version_holds_its_cache():
    cache = large_cache(3)
    old = read_record(cache.to_json().encode(), "ignored12345")
    assert old.cache_name is None and old.cache.objects == cache.objects


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"record": 3, "cache": "sha256:" + "a" * 64}).encode(), "format"),
        (json.dumps({"record": 2, "cache": "../../etc/passwd"}).encode(), "names no cache"),
        (json.dumps({"record": 2, "cache": "sha256:" + "b" * 64}).encode(), "another cache"),
        (json.dumps({"version": 1}).encode(), "fingerprint"),
    ],
)
def test_a_record_that_cannot_be_used_says_why(body, reason):
    with pytest.raises(CacheError) as raised:
        read_record(body, "a" * 12)
    assert reason in str(raised.value)


def test_a_stored_cache_is_checked_against_its_name_and_decompressed_within_bounds(monkeypatch):
    text = large_cache(2).to_json()
    body = gzip.compress(text.encode())
    with pytest.raises(CacheError, match="does not match the digest"):
        read_cache(body, cache_name("c" * 64))
    with pytest.raises(CacheError, match="not gzip"):
        read_cache(b"plain", cache_name(sha256(text)))
    with pytest.raises(CacheError, match="no cache's name"):
        read_cache(body, ".manifests/elsewhere.json.gz")
    monkeypatch.setattr(record_bodies, "MAX_BYTES", 1000)
    bomb = gzip.compress(b" " * 50_000)  # 50 KB of spaces from a few dozen bytes
    with pytest.raises(CacheError, match="more than 1000 bytes once decompressed"):
        read_cache(bomb, cache_name("d" * 64))


def test_stored_caches_have_names_of_their_own():
    assert is_cache_name(cache_name("e" * 64))
    assert not is_cache_name(".manifests/caches/short.json.gz")
    assert not is_cache_name("pr-42/" + cache_name("e" * 64))
    assert parse(cache_name("e" * 64)) is None  # never taken for a record
