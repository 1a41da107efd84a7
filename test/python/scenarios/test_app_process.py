"""The app's side of the build sees the same world whether it is a new process or a fork.

The build checks the sources in a fork of its helper (Django's modules already imported);
``publish_static`` and the collect step start a new interpreter. A settings module that records
what it sees (folder, import path, argv, environment) must record the same in both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support.dyno import ROOT

LIB = os.path.join(ROOT, "lib")

SETTINGS = """
import json, os, sys
SECRET_KEY = os.environ["SECRET_KEY"]
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "static/"
if os.environ.get("BREAK_SETTINGS"):
    raise RuntimeError("settings broke on purpose")
with open(os.environ["RECORD_TO"], "w") as handle:
    json.dump({
        "cwd": os.getcwd(),
        "path_head": sys.path[0],
        "app_on_path": os.getcwd() in sys.path,
        "argv_tail": sys.argv[1:2],
        "secret": os.environ.get("SECRET_KEY"),
        "path_var": os.environ.get("PATH") == os.environ.get("EXPECTED_PATH"),
        "ld": os.environ.get("LD_PRELOAD"),
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "stdin_is_devnull": os.path.realpath(f"/proc/self/fd/0") == "/dev/null",
    }, handle)
"""

RUNNER = """
import json, sys
from django_s3_static.publish.app_process import AppProcess
how, app_dir, result, committed, env = sys.argv[1:6]
app = AppProcess(app_dir, "site_settings", json.loads(env))
child = app.fork(result, committed) if how == "fork" else app.start(result, committed=committed)
print("KIND", type(child).__name__)
try:
    report = app.finish(child, result)
    print("REPORT", json.dumps(sorted(report)))
except Exception as exc:
    print("FAILED", type(exc).__name__, exc)
"""


@pytest.fixture
def app_dir(tmp_path):
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "site_settings.py").write_text(SETTINGS)
    return folder


def run(how: str, app_dir, tmp_path, **extra_env: str) -> tuple[str, dict | None]:
    record = tmp_path / f"seen-{how}.json"
    env = {
        "SECRET_KEY": "fork-test-secret",
        "RECORD_TO": str(record),
        "EXPECTED_PATH": os.environ["PATH"],
        "PATH": "/config-var/path/is/never/passed",
        "LD_PRELOAD": "never-passed.so",
        **extra_env,
    }
    process = subprocess.run(
        [
            sys.executable,
            "-c",
            RUNNER,
            how,
            str(app_dir),
            str(tmp_path / f"result-{how}.json"),
            str(tmp_path / "no-cache.json"),
            json.dumps(env),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO")},
            "PYTHONPATH": LIB,
        },
    )
    assert process.returncode == 0, process.stderr
    seen = json.loads(record.read_text()) if record.exists() else None
    return process.stdout, seen


def test_the_fork_sees_what_a_new_process_sees(app_dir, tmp_path):
    forked_out, forked = run("fork", app_dir, tmp_path)
    started_out, started = run("start", app_dir, tmp_path)
    assert "KIND Forked" in forked_out and "KIND Popen" in started_out
    assert forked == started
    assert forked["cwd"] == str(app_dir) and forked["path_head"] == str(app_dir)
    assert forked["argv_tail"] == ["--result"]
    assert forked["secret"] == "fork-test-secret"
    assert forked["path_var"] is True and forked["ld"] is None  # unsafe config vars stay out
    assert forked["settings_module"] == "site_settings"
    assert forked["stdin_is_devnull"] is True
    assert "REPORT" in forked_out and "REPORT" in started_out


def test_a_failing_settings_module_fails_the_same_way_in_the_fork(app_dir, tmp_path):
    forked_out, _ = run("fork", app_dir, tmp_path, BREAK_SETTINGS="1")
    started_out, _ = run("start", app_dir, tmp_path, BREAK_SETTINGS="1")
    for out in (forked_out, started_out):
        assert "settings broke on purpose" in out
        assert "The settings module 'site_settings' failed to load: RuntimeError" in out
        assert "FAILED S3StaticError reported by the app's process" in out
