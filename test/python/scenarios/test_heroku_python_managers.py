"""uv and Poetry apps on the Python heroku/python leaves: no pip in it, ``PYTHONHOME`` and
heroku/python's ``.profile.d`` scripts on the dyno (pip and Pipenv: ``test_heroku_python_pip``).

For each manager (an app without urllib3 or boto3: the build installs nothing, its signed
requests use the standard library): a cold build and the committed cache's fast path, then a
web dyno whose pages load every asset from the bucket, a one-off
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
from support.heroku_apps import INSTALLING, Builds, check_cold_build, check_dynos, check_fast_path
from support.heroku_python import app_python, fixture_dir
from support.heroku_slug import heroku_slug

MANAGERS = ["uv", "poetry"]


@pytest.fixture(scope="module")
def builds(s3server, tmp_path_factory) -> Builds:
    return Builds(s3server, tmp_path_factory)


@pytest.mark.parametrize("manager", MANAGERS)
def test_the_cold_build_installs_nothing_for_itself(builds, manager):
    check_cold_build(builds(manager))


@pytest.mark.parametrize("manager", MANAGERS)
def test_the_second_push_takes_the_committed_caches_fast_path(builds, manager):
    check_fast_path(builds(manager))


@pytest.mark.parametrize("order", ["ours-first", "ours-last"])
@pytest.mark.parametrize("manager", MANAGERS)
def test_web_one_off_and_worker_dynos_render_bucket_urls_in_either_order(builds, manager, order):
    check_dynos(builds(manager), order)


def test_a_python_without_pip_or_its_bundled_wheel_needs_it_only_without_keys(s3server, tmp_path):
    """With the keys as config vars the build installs nothing, so a Python with neither pip nor
    CPython's bundled wheel builds. Without them boto3 cannot be installed: the message says why
    and what to run, and never asks for another build, which could not help."""
    app = app_python("uv")
    home = str(tmp_path / "python")
    subprocess.run(["cp", "-al", app.home, home], check=True)
    for wheel in glob.glob(f"{home}/lib/python{app.version}/ensurepip/_bundled/*.whl"):
        os.remove(wheel)  # a link of the clone's own: the cached prefix keeps its wheel
    bare = dataclasses.replace(app, home=home)
    config = deploy_config(s3server, s3server.bucket())
    slug = heroku_slug(str(tmp_path / "slug"), bare)
    slug.set_config(**config)
    built = slug.compile()
    assert built.returncode == 0, built.output
    assert INSTALLING not in built.stdout and "Uploaded" in built.stdout
    slug = heroku_slug(str(tmp_path / "keyless"), bare)
    slug.set_config(**{**config, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    failed = slug.compile()
    assert failed.returncode == 1, failed.output
    assert "has neither pip nor the pip wheel CPython bundles" in failed.stdout
    assert "Add boto3 to the app's dependencies (uv): uv add boto3" in failed.stdout
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


def test_publish_static_in_a_uv_environment_without_urllib3_publishes(s3server, tmp_path):
    """A developer's uv environment holds what uv.lock lists, no pip and no urllib3:
    publish_static, which installs nothing, needs nothing more with the keys set."""
    app = app_python("uv")
    checkout = example_checkout(tmp_path)
    os.remove(checkout / "requirements.txt")
    shutil.copytree(fixture_dir("uv"), checkout, dirs_exist_ok=True)
    env = command_env(deploy_config(s3server, s3server.bucket()))
    published = manage(checkout, env, "publish_static", python=app.python)
    assert published.returncode == 0, published.stdout + published.stderr
    assert "Uploaded" in published.stdout
