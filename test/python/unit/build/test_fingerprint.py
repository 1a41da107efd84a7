import io

from django_s3_static.build.fingerprint import file_sha256, fingerprint

SOURCES = [("css/site.css", "a" * 64), ("js/app.js", "b" * 64)]


def test_order_of_sources_does_not_matter():
    assert fingerprint(SOURCES, {}) == fingerprint(list(reversed(SOURCES)), {})


def test_one_changed_byte_changes_it():
    before = fingerprint([("a.css", file_sha256(io.BytesIO(b"body{}")))], {})
    after = fingerprint([("a.css", file_sha256(io.BytesIO(b"body{ }")))], {})
    assert before != after


def test_renamed_added_or_removed_source_changes_it():
    base = fingerprint(SOURCES, {})
    assert fingerprint([("css/other.css", "a" * 64), SOURCES[1]], {}) != base
    assert fingerprint(SOURCES + [("x.js", "c" * 64)], {}) != base
    assert fingerprint(SOURCES[:1], {}) != base


def test_output_shaping_context_changes_it():
    assert fingerprint(SOURCES, {"django": "5.2"}) != fingerprint(SOURCES, {"django": "6.1"})
    assert fingerprint(SOURCES, {"PIPELINE": {"a": 1}}) != fingerprint(SOURCES, {"PIPELINE": {}})


def test_format():
    assert fingerprint(SOURCES, {}).startswith("sha256:")
    assert len(fingerprint(SOURCES, {})) == len("sha256:") + 64
