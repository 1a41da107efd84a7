"""The memo of a passed names check: trusted for exactly the bytes and fingerprint it names."""

from __future__ import annotations

import json

import pytest

from django_s3_static.format.names_memo import Memo, document, of_bytes, vouches

BYTES = "a" * 64
FINDERS = {
    "apps": [
        {
            "config": "django.contrib.staticfiles.apps",
            "name": "django.contrib.staticfiles",
            "sha256": "b" * 64,
        }
    ],
    "ignore_patterns": [".*", "CVS", "*~"],
    "installed_apps": ["django.contrib.staticfiles"],
    "staticfiles_finders": ["django.contrib.staticfiles.finders.FileSystemFinder"],
}
MEMO = Memo(BYTES, "sha256:" + "c" * 64, FINDERS)


def kept(memo: Memo = MEMO, version: str = "1.0") -> dict:
    """The memo as a build cache gives it back: written, then read as JSON."""
    return json.loads(json.dumps(document(memo, version)))


def test_a_memo_of_these_bytes_by_this_version_is_read_back():
    assert of_bytes(kept(), BYTES, "1.0") == MEMO
    assert of_bytes(kept(Memo(BYTES, MEMO.fingerprint, None)), BYTES, "1.0").finders is None


def test_it_stands_for_sources_of_exactly_its_fingerprint():
    assert vouches(MEMO, MEMO.fingerprint)
    assert not vouches(MEMO, "sha256:" + "d" * 64)  # the sources, or what shapes them, changed
    assert not vouches(None, MEMO.fingerprint)


@pytest.mark.parametrize(
    "change",
    [
        {"cache_sha256": "e" * 64},  # the static cache's bytes changed since
        {"package": "1.1"},  # another version of this package checked them
        {"format": 2},
        {"fingerprint": ""},
        {"fingerprint": None},
        {"cache_sha256": "A" * 64},
        {"finders": {"apps": []}},  # a finders record that does not check out
        {"extra": 1},
    ],
)
def test_a_memo_of_anything_else_is_not_trusted(change):
    found = {**kept(), **change}
    assert of_bytes(found, BYTES, "1.0") is None


@pytest.mark.parametrize("found", [None, [], "memo", 1, {}])
def test_something_that_is_no_memo_is_not_trusted(found):
    assert of_bytes(found, BYTES, "1.0") is None
