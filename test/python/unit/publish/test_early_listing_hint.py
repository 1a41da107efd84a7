"""Where a build lists early: the committed cache's place and names, read before it is checked."""

from __future__ import annotations

import pytest

from django_s3_static.publish.early_listing import Hint, hint_of


def test_the_hint_is_the_recorded_place_and_the_names_of_the_objects():
    document = {
        "location": {"bucket": "my-app-static", "prefix": "static"},
        "objects": {"css/a.css": {}, "css/a.0123456789ab.css": {}},
    }
    hint = hint_of(document)
    assert hint == Hint("my-app-static", "static", document["objects"])
    assert sorted(hint.objects) == ["css/a.0123456789ab.css", "css/a.css"]
    assert hint_of({"location": {"bucket": "b"}, "objects": {}}).prefix == ""


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"objects": {}},
        {"location": {"bucket": "b"}},
        {"location": {"prefix": "static"}, "objects": {}},
        {"location": {"bucket": 1}, "objects": {}},
        {"location": {"bucket": "b", "prefix": None}, "objects": {}},
        {"location": "b", "objects": {}},
        {"location": {"bucket": "b"}, "objects": []},
    ],
)
def test_a_document_without_them_gives_no_early_listing(document):
    assert hint_of(document) is None
