"""A static file may not land in a records folder (``.manifests``), at any depth (pure)."""

from __future__ import annotations

import pytest

from django_s3_static.format.names import name_problem


@pytest.mark.parametrize(
    "name",
    [
        ".manifests/x.css",
        ".manifests/20261127T221503Z-a-0123456789ab.json",
        "vendor/.manifests/a.js",
    ],
)
def test_a_name_in_a_records_folder_is_refused(name):
    assert "'.manifests' folder, where prune_static keeps the release records" in name_problem(name)


@pytest.mark.parametrize(
    "name", ["manifests/x.css", "css/.manifests.css", "a/b.manifests/c.js", ".manifest/x"]
)
def test_names_that_only_look_alike_pass(name):
    assert name_problem(name) is None
