"""``bin/build`` before the helper starts: what it needs from the lifecycle and from heroku/python,
and what it says when either is missing (quick scripts, no Python started). A group without
heroku/python before this buildpack: test_cnb_faults.py, through the lifecycle harness."""

from __future__ import annotations

import os
import subprocess

from support.dyno import ROOT


def build(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "CNB_LAYERS_DIR": str(tmp_path), "CNB_PLATFORM_DIR": "/p"}
    return subprocess.run(
        [os.path.join(ROOT, "bin", "build")],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_virtual_env_without_a_python_is_named(tmp_path):
    done = build(tmp_path, VIRTUAL_ENV=str(tmp_path / "venv"))
    assert done.returncode == 1
    assert f"(VIRTUAL_ENV={tmp_path}/venv names no Python)" in done.stdout


def test_outside_a_cnb_lifecycle_it_points_at_bin_compile(tmp_path):
    done = build(tmp_path, CNB_LAYERS_DIR="")
    assert done.returncode == 1
    assert "CNB_LAYERS_DIR or CNB_PLATFORM_DIR is not set" in done.stdout
    assert "Heroku runs bin/compile instead" in done.stdout
