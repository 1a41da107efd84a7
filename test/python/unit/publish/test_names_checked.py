"""The build's reading of the app's process's check of the hashed names (pure)."""

from __future__ import annotations

import os

from django_s3_static.config import Config
from django_s3_static.format.hashed_names import NOT_CHECKED
from django_s3_static.format.static_cache import StaticCache
from django_s3_static.publish.publish import names_checked, problems

CACHE = StaticCache("sha256:1", "bucket", "", {"a.css": "a.1.css"})
CONFIG = Config(bucket="bucket")
UNTIED = ["a.css is recorded as a.1.css, but its content gives a.2.css"]


def test_the_check_of_the_cache_the_build_reads_counts(tmp_path):
    cache_file = str(tmp_path / "static_cache" / "manifest.json")
    report = {"names": {"cache_file": cache_file, "untied": UNTIED}}
    assert names_checked(report, cache_file) == UNTIED
    linked = tmp_path / "link"
    os.symlink(tmp_path, linked)  # the same file by another path
    assert names_checked(report, str(linked / "static_cache" / "manifest.json")) == UNTIED


def test_no_check_or_the_check_of_another_file_leaves_the_cache_unproven(tmp_path):
    cache_file = str(tmp_path / "manifest.json")
    assert names_checked({}, cache_file) == [NOT_CHECKED]
    other = {"names": {"cache_file": str(tmp_path / "other.json"), "untied": []}}
    assert names_checked(other, cache_file) == [NOT_CHECKED]


def test_untied_names_make_a_fresh_cache_untrusted_and_a_stale_one_is_stale_first():
    found = problems(CACHE, "sha256:1", CONFIG, None, None, UNTIED)
    assert found == [
        "untrusted: 1 hashed name not of today's sources (" + UNTIED[0] + "): the static cache "
        "was edited, or merged by hand, since it was published"
    ]
    assert problems(CACHE, "sha256:1", CONFIG, None, None, []) == []
    stale = problems(CACHE, "sha256:2", CONFIG, None, None, UNTIED)
    assert len(stale) == 1 and stale[0].startswith("stale:")
