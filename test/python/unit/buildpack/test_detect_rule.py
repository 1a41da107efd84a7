"""bin/detect and the helper's find_manage_py apply one rule: a tree is detected exactly when the
helper finds the manage.py the build will use."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from django_s3_static.publish.app_process import find_manage_py
from support.dyno import ROOT

DETECT = Path(ROOT) / "bin" / "detect"

# (name, build folder under tmp_path, entries under the build folder, the manage.py expected).
# An entry "PATH -> TARGET" is a symbolic link; an entry ending in "/" is an empty folder.
CASES = [
    ("depth 1", "build", ["manage.py"], "manage.py"),
    ("depth 2", "build", ["site/manage.py"], "site/manage.py"),
    ("depth 3", "build", ["src/site/manage.py"], "src/site/manage.py"),
    ("depth 4", "build", ["a/b/c/manage.py"], None),
    ("no manage.py", "build", ["requirements.txt", "app/wsgi.py"], None),
    ("empty", "build", [], None),
    ("hidden parent", ".x/build", ["manage.py"], "manage.py"),
    ("hidden parents, depth 3", ".x/.y/build", ["src/site/manage.py"], "src/site/manage.py"),
    ("build folder itself hidden", ".build", ["manage.py"], "manage.py"),
    ("build folder named node_modules", "node_modules", ["manage.py"], "manage.py"),
    ("hidden child", "build", [".heroku/python/manage.py"], None),
    ("hidden child at depth 2", "build", ["src/.cache/manage.py"], None),
    ("hidden child named like a file", "build", [".manage.py/manage.py"], None),
    ("node_modules", "build", ["node_modules/pkg/manage.py"], None),
    ("node_modules at depth 2", "build", ["web/node_modules/manage.py"], None),
    (
        "names that only look skipped",
        "build",
        ["node_modules2/my.site/manage.py"],
        "node_modules2/my.site/manage.py",
    ),
    (
        "hidden copy and the app",
        "build",
        [".venv/manage.py", "src/site/manage.py"],
        "src/site/manage.py",
    ),
    ("two depths", "build", ["a/b/manage.py", "site/manage.py"], "site/manage.py"),
    ("root and deeper", "build", ["src/manage.py", "manage.py"], "manage.py"),
    ("depth 4 and depth 3", "build", ["a/b/c/manage.py", "x/y/manage.py"], "x/y/manage.py"),
    ("manage.py is a folder", "build", ["manage.py/", "site/manage.py/"], None),
    ("link to a file", "build", ["real/run.py", "manage.py -> real/run.py"], "manage.py"),
    ("dangling link", "build", ["manage.py -> missing.py"], None),
    ("link to a folder", "build", ["../outside/manage.py", "site -> ../outside"], None),
]


def make_tree(root: Path, build: str, entries: list[str]) -> Path:
    build_dir = root / build
    build_dir.mkdir(parents=True)
    for entry in entries:
        path, _, target = entry.partition(" -> ")
        where = build_dir / path
        where.parent.mkdir(parents=True, exist_ok=True)
        if target:
            where.symlink_to(target)
        elif path.endswith("/"):
            where.mkdir(parents=True, exist_ok=True)
        else:
            where.write_text("# manage.py\n")
    return build_dir


def detect(build_dir: Path | str) -> bool:
    result = subprocess.run(
        [str(DETECT), str(build_dir)], capture_output=True, text=True, timeout=30
    )
    assert result.stderr == ""
    assert (result.returncode, result.stdout) in {(0, "django-s3-static\n"), (1, "no\n")}
    return result.returncode == 0


@pytest.mark.parametrize(
    ("build", "entries", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_detect_agrees_with_find_manage_py(tmp_path, build, entries, expected):
    build_dir = make_tree(tmp_path, build, entries)
    found = find_manage_py(str(build_dir))
    assert (os.path.relpath(found, build_dir) if found else None) == expected
    assert detect(build_dir) == (found is not None)


def test_build_folder_given_as_a_link(tmp_path):
    real = make_tree(tmp_path, ".x/real", ["src/site/manage.py"])
    (tmp_path / "build").symlink_to(real)
    assert find_manage_py(str(tmp_path / "build")) is not None
    assert detect(tmp_path / "build")


def test_missing_build_folder(tmp_path):
    assert find_manage_py(str(tmp_path / "missing")) is None
    assert not detect(tmp_path / "missing")
