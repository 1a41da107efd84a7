"""What the build says after publishing (``buildpack.slug.report``): it asks for a publish only
when one would change the next build."""

from __future__ import annotations

import os

from django_s3_static import output
from django_s3_static.buildpack.slug import report
from django_s3_static.config import Config
from django_s3_static.format.static_cache import StaticCache
from django_s3_static.publish.publish import Outcome


def outcome(tmp_path, **fields) -> Outcome:
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    cache = StaticCache("sha256:x", "bucket", "", finders=fields.pop("finders", {"apps": []}))
    cache_file = os.path.join(tmp_path, "static_cache", "manifest.json")
    return Outcome(config, cache, cache_file, fields.pop("reason", None), **fields)


def said(capsys, tmp_path, found: Outcome) -> str:
    report(found, output.Timings(), str(tmp_path))
    return capsys.readouterr().out


def test_a_setting_that_differs_from_the_publishs_is_named_instead_of_a_publish(tmp_path, capsys):
    stale = outcome(tmp_path, reason="stale: STATIC_URL changed", stale_setting="STATIC_URL")
    text = said(capsys, tmp_path, stale)
    assert "published with another STATIC_URL than these settings'" in text
    assert "Refresh the committed cache" not in text
    sources = outcome(tmp_path, reason="stale: the static sources changed")
    assert "Refresh the committed cache" in said(capsys, tmp_path, sources)


def test_a_record_that_does_not_vouch_says_why_and_asks_only_what_would_help(tmp_path, capsys):
    gap = {"why": "'anymail' of INSTALLED_APPS is not in it", "fix": "run publish_static ..."}
    text = said(capsys, tmp_path, outcome(tmp_path, record_outdated=True, record_gap=gap))
    assert "does not vouch for these settings ('anymail' of INSTALLED_APPS is not in it)" in text
    assert "To check them with the settings alone, run publish_static ..." in text
    assert "no finders record" not in text
    unhelpable = {"why": "two entries of INSTALLED_APPS are the same app", "fix": None}
    text = said(capsys, tmp_path, outcome(tmp_path, record_outdated=True, record_gap=unhelpable))
    assert "To check them" not in text and "publish_static" not in text


def test_a_cache_without_a_record_asks_for_the_publish_that_adds_it(tmp_path, capsys):
    text = said(capsys, tmp_path, outcome(tmp_path, finders=None, record_outdated=True))
    assert "static_cache/manifest.json has no finders record, so Django was started" in text
    quiet = said(capsys, tmp_path, outcome(tmp_path, settings_only=True))
    assert "Django was started" not in quiet and "publish_static" not in quiet
