"""Every CPython 3.10+ installed on this machine (``support.heroku_python.cpythons``: pyenv's),
laid out as heroku/python lays out its own: a uv app's cold build, and a web dyno and a one-off
whose pages and URLs come from the bucket. Nothing in the buildpack may assume a version: the
build helper, the collect child and the dyno's hook all run on the app's Python."""

from __future__ import annotations

import pytest

from conftest import deploy_config
from support.heroku_apps import (
    assert_all_from_bucket,
    build_twice,
    check_hook_pieces,
    one_off_url,
    web_assets,
)
from support.heroku_python import app_python, cpythons

VERSIONS = list(cpythons())


def test_the_supported_versions_are_installed_here():
    """3.10 (heroku/python's oldest) to 3.13 at least; a newer one is tested when installed."""
    assert {"3.10", "3.11", "3.12", "3.13"} <= set(VERSIONS), VERSIONS


@pytest.mark.parametrize("minor", VERSIONS)
def test_a_uv_app_builds_and_serves_from_the_bucket_on_python(minor, s3server, tmp_path):
    app = app_python("uv", minor)
    config = deploy_config(s3server, s3server.bucket(), AWS_LOCATION="static")
    built = build_twice(str(tmp_path), app, config, s3server.endpoint, twice=False)
    assert built.cold.returncode == 0, built.cold.output
    version = built.slug.run("python -c 'import sys; print(*sys.version_info[:2], sep=\".\")'")
    assert version.stdout.strip() == minor, version.output
    check_hook_pieces(built)
    assert_all_from_bucket(web_assets(built, "ours-last"), built.prefix)
    assert one_off_url(built, "ours-first").startswith(built.prefix + "css/site.")
