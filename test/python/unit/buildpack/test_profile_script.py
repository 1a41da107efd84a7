"""The ``.profile.d`` script, sourced by bash as a dyno does at every start, with the values an
app may set: the static cache folder (``DJANGO_S3_STATIC_CACHE_DIR``, checked by the build: no
``..``, not absolute, no control character) and the settings module.

Whatever the value, the shell must take it as written: a space stays in the path, and
``$(...)`` or a backquote never runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from django_s3_static.buildpack.install import profile_script
from django_s3_static.format.names import folder_problem

HOSTILE = [
    "static cache",
    "$(touch pwned)",
    "`touch pwned`",
    "a'b; touch pwned; 'c",
    'a"b$(touch pwned)"c',
    "$HOME/x",
    "${IFS}x",
    "*",
    "a\\b",
    "x;touch pwned",
    "dir/ two  spaces /",
]


def sourced(script: str, home, env: dict[str, str] | None = None) -> list[str]:
    """The two variables the script exports, after bash sourced it in ``home`` as a dyno does."""
    folder = home / ".profile.d"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "django-s3-static.sh").write_text(script)
    done = subprocess.run(
        [
            "bash",
            "-c",
            'cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done && '
            'printf "%s\\0%s\\0" "$DJANGO_S3_STATIC_CACHE_PATH" "$DJANGO_S3_STATIC_BUILD_SETTINGS"',
        ],
        cwd=home,
        env={"HOME": str(home), "PATH": os.environ["PATH"], **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stderr == ""
    return done.stdout.split("\0")[:-1]


@pytest.mark.parametrize("cache_dir", HOSTILE)
def test_the_cache_folder_is_taken_as_written(cache_dir, tmp_path):
    assert folder_problem(cache_dir) is None  # the build lets these through: the script must cope
    home = tmp_path / "app home"
    home.mkdir()
    script = profile_script("web", cache_dir, "mysite.settings", True, False)
    cache_path, settings = sourced(script, home)
    assert cache_path == os.path.join(str(home), os.path.normpath(os.path.join("web", cache_dir)))
    assert settings == "mysite.settings"
    assert [p.name for p in tmp_path.rglob("pwned")] == []  # nothing ran


def test_a_cache_path_already_set_is_kept(tmp_path):
    script = profile_script(".", "static_cache", "mysite.settings", False, True)
    assert sourced(script, tmp_path, {"DJANGO_S3_STATIC_CACHE_PATH": "/elsewhere"}) == [
        "/elsewhere",
        "mysite.settings",
    ]
    assert sourced(script, tmp_path)[0] == f"{tmp_path}/static_cache"
    assert "export DJANGO_S3_STATIC_RELEASE_PROMOTES=1\n" in script


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("cache_dir", ["static_cache", "static cache"])
def test_the_script_is_shellcheck_clean(cache_dir, tmp_path):
    """(A literal ``$(...)`` in single quotes is shellcheck's SC2016, exactly what is meant.)"""
    script = tmp_path / "django-s3-static.sh"
    script.write_text(profile_script("src", cache_dir, "mysite.settings", True, True))
    done = subprocess.run(
        ["shellcheck", "--shell=bash", str(script)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    "value, problem",
    [
        ("../outside", "'..'"),
        ("static/../../outside", "'..'"),
        ("..", "'..'"),
        ("/etc", "absolute"),
        ("~/cache", "home folder"),
        ("cache\n$(reboot)", "control"),
        ("cache\x00", "control"),
        ("cache\u2028x", "line-breaking"),
        ("cache\x85x", "line-breaking"),
    ],
)
def test_a_folder_outside_the_app_or_over_two_lines_is_refused(value, problem):
    assert problem in (folder_problem(value) or "")


@pytest.mark.parametrize("value", ["", "static_cache", "static_cache/", "a/b", "a..b", ".cache"])
def test_ordinary_folders_pass(value):
    assert folder_problem(value) is None
