"""Content types come from the project's own table, the same on every build machine."""

import mimetypes

import pytest

from django_s3_static.s3.content_types import TYPES, content_type


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.js", "text/javascript; charset=utf-8"),
        ("a.mjs", "text/javascript; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"),
        ("a.svg", "image/svg+xml"),
        ("a.woff2", "font/woff2"),
        ("a.TTF", "font/ttf"),
        ("a.png", "image/png"),
        ("x.map", "application/json"),
        ("site.webmanifest", "application/manifest+json"),
        ("noext", "application/octet-stream"),
        ("folder.v1/noext", "application/octet-stream"),
        ("a.unknown-extension", "application/octet-stream"),
    ],
)
def test_content_types(name, expected):
    assert content_type(name) == expected


def test_the_machine_mime_table_is_not_consulted(monkeypatch):
    monkeypatch.setattr(mimetypes, "guess_type", lambda *a, **k: ("application/x-wrong", None))
    monkeypatch.setitem(mimetypes.types_map, ".js", "application/x-wrong")
    assert content_type("a.js") == "text/javascript; charset=utf-8"
    assert content_type("a.xyz") == "application/octet-stream"


def test_every_type_is_lower_case_and_well_formed():
    for extension, found in TYPES.items():
        assert extension.startswith(".") and extension == extension.lower()
        assert found.count("/") == 1 and found == found.lower()
