"""Deterministic gzip, when it pays, and the digest a browser computes (pure)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import subprocess
import zlib

import pytest

from django_s3_static.s3 import encoding
from django_s3_static.s3.content_types import compressible

CSS = b".title { color: #123456; font-family: 'Example Mono', monospace; }\n" * 40


def test_gzip_is_byte_for_byte_deterministic_and_standard():
    first = encoding.gzip_bytes(CSS)
    assert first == encoding.gzip_bytes(bytes(CSS))
    # RFC 1952 header: no modification time, no file name, OS "unknown", so any machine agrees.
    assert first[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    assert gzip.decompress(first) == CSS
    assert subprocess.run(["gzip", "-t"], input=first).returncode == 0  # the gzip tool agrees
    assert encoding.decoded(first, "gzip") == CSS
    assert encoding.decoded(CSS, None) == CSS


def test_compressed_only_when_it_saves_five_percent():
    assert encoding.stored_form(CSS) == (encoding.gzip_bytes(CSS), "gzip")
    random = os.urandom(4096)  # gzip makes it grow: stored as it is
    assert len(encoding.gzip_bytes(random)) > len(random)
    assert encoding.stored_form(random) == (random, None)
    tiny = b"a{}"
    assert encoding.stored_form(tiny) == (tiny, None)
    assert encoding.pays(100, 95) and not encoding.pays(100, 96)


def test_files_over_the_limit_are_stored_as_they_are(monkeypatch):
    monkeypatch.setattr(encoding, "MAX_COMPRESS_BYTES", len(CSS) - 1)
    assert encoding.stored_form(CSS) == (CSS, None)


def test_integrity_is_sha384_base64_of_the_decoded_bytes():
    expected = "sha384-" + base64.b64encode(hashlib.sha384(CSS).digest()).decode()
    assert encoding.integrity(CSS) == expected
    assert encoding.integrity(encoding.decoded(encoding.gzip_bytes(CSS), "gzip")) == expected
    assert len(expected) == len("sha384-") + 64


def test_the_level_is_fixed():
    raw = zlib.compress(CSS, 9, wbits=-zlib.MAX_WBITS)
    assert encoding.gzip_bytes(CSS)[10:-8] == raw


@pytest.mark.parametrize(
    "name, expected",
    [
        ("css/site.8ed7c32d6068.css", True),
        ("js/app.JS", True),
        ("img/logo.svg", True),
        ("js/app.js.map", True),
        ("data.json", True),
        ("robots.txt", True),
        ("favicon.ico", True),
        ("fonts/x.ttf", True),
        ("fonts/x.otf", True),
        ("img/logo.png", False),
        ("img/photo.jpg", False),
        ("fonts/x.woff2", False),
        ("fonts/x.woff", False),
        ("archive.gz", False),
        ("css.d/noextension", False),
        ("README", False),
    ],
)
def test_what_is_worth_compressing(name, expected):
    assert compressible(name) is expected
