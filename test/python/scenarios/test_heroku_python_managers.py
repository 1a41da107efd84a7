"""uv and Poetry apps on the Python heroku/python leaves: no pip in it, ``PYTHONHOME`` and
heroku/python's ``.profile.d`` scripts on the dyno (pip and Pipenv: ``test_heroku_python_pip``).

For each manager, with and without urllib3 among the app's dependencies: a cold build and the
committed cache's fast path. Then, for the app without urllib3 (the build cache provided it: the
case that reaches the dyno), a web dyno whose pages load every asset from the bucket, a one-off
and a worker, with this buildpack's ``.profile.d`` script sourced before and after
heroku/python's (Dev Center: the order is arbitrary). Each app Python is made once
(``support.heroku_python``), each slug built twice (``support.heroku_apps.Builds``).
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
import subprocess

import pytest

from conftest import deploy_config
from support.checkout import command_env, example_checkout, manage
from support.heroku_apps import Builds, check_cold_build, check_dynos, check_fast_path
from support.heroku_python import app_python, fixture_dir
from support.heroku_slug import heroku_slug

MANAGERS = ["uv", "poetry"]
VARIANTS = [f"{manager}{urllib3}" for manager in MANAGERS for urllib3 in ("", "-urllib3")]


@pytest.fixture(scope="module")
def builds(s3server, tmp_path_factory) -> Builds:
    return Builds(s3server, tmp_path_factory)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_cold_build_installs_urllib3_for_itself_only_when_the_app_lacks_it(builds, variant):
    check_cold_build(builds(variant))


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_second_push_takes_the_committed_caches_fast_path(builds, variant):
    check_fast_path(builds(variant))


@pytest.mark.parametrize("order", ["ours-first", "ours-last"])
@pytest.mark.parametrize("manager", MANAGERS)
def test_web_one_off_and_worker_dynos_render_bucket_urls_in_either_order(builds, manager, order):
    check_dynos(builds(manager), order)


def test_a_python_without_pip_or_its_bundled_wheel_fails_naming_uv_add(s3server, tmp_path):
    """Where nothing can install urllib3, the message says why and what to run, and never asks
    for another build, which could not help."""
    app = app_python("uv")
    home = str(tmp_path / "python")
    subprocess.run(["cp", "-al", app.home, home], check=True)
    for wheel in glob.glob(f"{home}/lib/python{app.version}/ensurepip/_bundled/*.whl"):
        os.remove(wheel)  # a link of the clone's own: the cached prefix keeps its wheel
    slug = heroku_slug(str(tmp_path / "slug"), dataclasses.replace(app, home=home))
    slug.set_config(**deploy_config(s3server, s3server.bucket()))
    failed = slug.compile()
    assert failed.returncode == 1, failed.output
    assert "has neither pip nor the pip wheel CPython bundles" in failed.stdout
    assert "Add urllib3 to the app's dependencies (uv): uv add urllib3" in failed.stdout
    assert "again" not in failed.stdout
    assert glob.glob(f"{app.home}/lib/python{app.version}/ensurepip/_bundled/pip-*.whl")


def test_with_no_keys_a_uv_app_gets_boto3_for_the_credential_chain(s3server, tmp_path, monkeypatch):
    """No keys as config vars: the build installs boto3 (with the bundled pip wheel: the app's
    Python has no pip) and its chain finds the keys (here ~/.aws/credentials)."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {s3server.access_key}\n"
        f"aws_secret_access_key = {s3server.secret_key}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    slug = heroku_slug(str(tmp_path / "slug"), app_python("uv"))
    config = deploy_config(s3server, s3server.bucket(), AWS_LOCATION="static")
    slug.set_config(**{**config, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    built = slug.compile()
    assert built.returncode == 0, built.output
    assert "Installing the build helper's dependencies (boto3, for its credential chain" in (
        built.stdout
    )
    assert "Uploaded" in built.stdout


def test_publish_static_in_a_uv_environment_without_urllib3_names_uv_add(s3server, tmp_path):
    """A developer's uv environment holds what uv.lock lists and no pip: publish_static, which
    installs nothing, says what to add with uv, and never asks to run it again unchanged."""
    app = app_python("uv")
    checkout = example_checkout(tmp_path)
    os.remove(checkout / "requirements.txt")
    shutil.copytree(fixture_dir("uv"), checkout, dirs_exist_ok=True)
    env = command_env(deploy_config(s3server, s3server.bucket()))
    failed = manage(checkout, env, "publish_static", python=app.python)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "publish_static needs urllib3, for the signed S3 requests, and this Python (" in (
        failed.stderr
    )
    assert "Add urllib3 to the app's dependencies (uv): uv add urllib3" in failed.stderr
    assert "again" not in failed.stdout + failed.stderr
