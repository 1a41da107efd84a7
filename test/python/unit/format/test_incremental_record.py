"""The committed cache's incremental section: checked strictly, written one entry per line."""

import json

import pytest

from django_s3_static.format import incremental_record, static_cache
from django_s3_static.format.incremental_record import RecordError, check, digest
from django_s3_static.format.static_cache import StaticCache, StaticObject

SECTION = {
    "digests": {"css/site.css": "0123456789abcdef", "img/logo.png": "fedcba9876543210"},
    "missing": {"css/site.css": ["../img/gone.png"]},
    "packages": None,
    "references": {"css/site.css": ["img/gone.png", "img/logo.png"]},
}


def test_digest_keeps_sixteen_hex_characters_of_the_sha256():
    assert digest("ab" * 32) == "ab" * 8


def test_a_valid_section_checks_out():
    assert check(SECTION) == SECTION
    assert check({**SECTION, "packages": {"css/main.css": ["scss/a.scss", "css/b.css"]}})


@pytest.mark.parametrize(
    "section, message",
    [
        ([], "not as written"),
        ({**SECTION, "extra": {}}, "not as written"),
        ({**SECTION, "digests": {"css/site.css": "XYZ"}}, "digest of 'css/site.css'"),
        ({**SECTION, "digests": {"../etc/passwd": "0" * 16}}, "digest of '../etc/passwd'"),
        ({**SECTION, "digests": []}, "digests are malformed"),
        ({**SECTION, "references": {"a.css": "img/x.png"}}, "references of 'a.css'"),
        ({**SECTION, "references": {"a.css": [""]}}, "references of 'a.css'"),
        ({**SECTION, "references": {"a.css": [1]}}, "references of 'a.css'"),
        ({**SECTION, "missing": {"/abs.css": ["x"]}}, "missing of '/abs.css'"),
        ({**SECTION, "packages": {"a.css": "b.css"}}, "packages of 'a.css'"),
        ({**SECTION, "references": {"a.css": ["x" * 3000]}}, "references of 'a.css'"),
        ({**SECTION, "missing": {"a.css": ["\ud800"]}}, "missing of 'a.css'"),
    ],
)
def test_a_malformed_section_says_how(section, message):
    with pytest.raises(RecordError, match=message):
        check(section)


def test_the_shape_alone_when_the_caller_checks_the_names():
    section = {**SECTION, "digests": {"../x.png": "0" * 16}}
    assert check(section, names=False) == section
    with pytest.raises(RecordError):
        check({**SECTION, "digests": {"x.png": "nothex"}}, names=False)


def cache(section) -> StaticCache:
    objects = {
        "css/site.css": StaticObject(3, "a" * 32),
        "css/site.1.css": StaticObject(3, "b" * 32),
    }
    return StaticCache(
        "sha256:x",
        "bucket",
        "static",
        {"css/site.css": "css/site.1.css"},
        objects,
        incremental=section,
    )


def test_the_cache_writes_the_section_one_entry_per_line_and_reads_it_back():
    text = cache(SECTION).to_json()
    assert '   "css/site.css": ["img/gone.png", "img/logo.png"]' in text.splitlines()
    assert '  "packages": null,' in text.splitlines()
    parsed = static_cache.parse(json.loads(text))
    assert parsed.incremental == SECTION
    assert parsed.to_json() == text


def test_empty_tables_and_older_caches():
    empty = {"digests": {}, "missing": {}, "packages": {}, "references": {}}
    assert static_cache.parse(json.loads(cache(empty).to_json())).incremental == empty
    assert static_cache.parse(json.loads(cache(None).to_json())).incremental is None


def test_a_malformed_section_makes_the_whole_cache_untrusted():
    document = json.loads(cache(SECTION).to_json())
    document["incremental"]["references"] = {"css/site.css": "img/logo.png"}
    with pytest.raises(static_cache.CacheError, match="'incremental' references"):
        static_cache.parse(document)


def test_it_costs_few_bytes_per_source():
    """What the README states: the digests table costs a line of 27 bytes plus the name
    per source; references cost their names."""
    names = {f"img/i{n:04d}.png": "0" * 16 for n in range(1000)}
    section = {**SECTION, "digests": names, "missing": {}, "references": {}}
    body = incremental_record.to_json(section, json.dumps, json.encoder.encode_basestring)
    per_source = len(body) / len(names)
    assert per_source - len("img/i0000.png") <= 28  # indent, quotes, colon, digest, comma
