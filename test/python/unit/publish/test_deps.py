"""How the build helper's own dependencies are installed without the app's pip (pure parts)."""

from __future__ import annotations

import os
import sysconfig

import pytest

from django_s3_static.publish import deps


def test_the_newest_bundled_pip_wheel_is_run_as_a_path_inside_the_wheel(tmp_path):
    bundled = tmp_path / "ensurepip" / "_bundled"
    bundled.mkdir(parents=True)
    for name in ("pip-9.0.1-py2.py3-none-any.whl", "pip-20.2.3-py2.py3-none-any.whl"):
        (bundled / name).write_text("")
    (bundled / "setuptools-65.5.0-py3-none-any.whl").write_text("")
    found = deps.bundled_pip(str(tmp_path))
    assert found == str(bundled / "pip-20.2.3-py2.py3-none-any.whl" / "pip")
    assert deps.bundled_pip(str(tmp_path / "nowhere")) is None


def test_this_pythons_own_bundled_wheel_is_found():
    """Every CPython from python.org's sources (heroku/python's, pyenv's) bundles one."""
    found = deps.bundled_pip()
    assert found is not None and os.path.isfile(os.path.dirname(found)), found
    assert found.startswith(sysconfig.get_path("stdlib"))


def test_the_bundled_wheel_comes_first_and_the_apps_pip_only_without_it():
    assert deps.pip_command("py", "/w.whl/pip", own_pip=True) == ["py", "/w.whl/pip"]
    assert deps.pip_command("py", None, own_pip=True) == ["py", "-m", "pip"]
    assert deps.pip_command("py", None, own_pip=False) is None


def test_only_an_unreachable_index_asks_for_another_build(tmp_path):
    (tmp_path / "poetry.lock").write_text("")
    offline = deps.failure_details(
        "WARNING: Retrying ... NewConnectionError('Failed to establish a new connection')",
        "boto3.txt",
        deps.BOTO3,
        str(tmp_path),
    )
    assert "build again once it answers" in offline[0]
    assert "poetry add boto3" in offline[1]
    refused = deps.failure_details(
        "ERROR: No matching distribution found for boto3==1.44.8",
        "boto3.txt",
        deps.BOTO3,
        str(tmp_path),
    )
    assert not any("again" in line for line in refused)
    assert "boto3.txt" in refused[0] and "poetry add boto3" in refused[1]


def test_boto3_advice_names_boto3(tmp_path):
    (tmp_path / "uv.lock").write_text("")
    details = deps.failure_details("ERROR: x", "boto3.txt", deps.BOTO3, str(tmp_path))
    assert "uv add boto3" in details[1]


def test_a_command_run_by_hand_names_the_apps_manager_for_what_this_python_lacks(tmp_path):
    """publish_static installs nothing: it says what to add, with the app's own manager."""
    (tmp_path / "uv.lock").write_text("")
    need = deps.Need(("no_such_module_here",), "x.txt", "no_such_module_here, for a test")
    with pytest.raises(deps.S3StaticError) as raised:
        deps.require(need, str(tmp_path), "publish_static")
    assert raised.value.title.startswith("publish_static needs no_such_module_here, for a test,")
    assert raised.value.details[0].startswith(
        "Add no_such_module_here to the app's dependencies (uv): uv add no_such_module_here"
    )
    deps.require(deps.Need(("os",), "x.txt", "os"), str(tmp_path), "publish_static")
