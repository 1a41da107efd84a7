"""Buildpack folders for the harness: the platform's heroku/python and heroku/procfile, faked
(``fake_python.py``, ``fake_procfile.py``), and small ones tests write (``write_buildpack``).

A fake is a real buildpack folder: ``buildpack.toml`` as the real one declares it, ``bin/detect``
and ``bin/build`` that run its script with this Python (``-I``: nothing from the build's
environment changes how), and ``config.json`` for what the fake heroku/python takes from this
machine: a CPython laid out as heroku/python's runtime archive (``python_runtime``), uv and pip.
Folders are made once under ``test/.cache/cnb`` and named by what they hold.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys

from ..heroku_python import TOOLS, newest, standalone, tools_bin
from .image import reset_times

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
CACHE = os.path.join(ROOT, "test", ".cache", "cnb")
#: Bump when what a folder holds changes without its inputs changing.
LAYOUT = "1"
PYTHON_TOML = """\
api = "0.10"

[buildpack]
id = "heroku/python"
version = "6.5.6"
name = "Heroku Python (harness fake)"

[[targets]]
os = "linux"
arch = "amd64"

[[targets]]
os = "linux"
arch = "arm64"
"""
PROCFILE_TOML = """\
api = "0.10"

[buildpack]
id = "heroku/procfile"
version = "4.2.3"
name = "Heroku Procfile (harness fake)"

[[targets]]
os = "linux"
arch = "amd64"

[[targets]]
os = "linux"
arch = "arm64"
"""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


@contextlib.contextmanager
def _locked(name: str):
    """Tests in parallel processes wait for the one making ``name``."""
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, f"{name}.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _made(target: str, make) -> str:
    """``target``, made by ``make(staging)`` once (renamed into place when complete)."""
    if os.path.isdir(target):
        return target
    with _locked(os.path.basename(target)):
        if not os.path.isdir(target):
            staging = f"{target}.making"
            shutil.rmtree(staging, ignore_errors=True)
            os.makedirs(staging)
            make(staging)
            os.rename(staging, target)
    return target


def write_buildpack(
    folder: str,
    bp_id: str,
    detect: str = "exit 0",
    build: str = "exit 0",
    api: str = "0.10",
    version: str = "1.0.0",
    extra_toml: str = "",
) -> str:
    """A buildpack whose bin/detect and bin/build are Bash with ``set -euo pipefail``."""
    folder = str(folder)
    os.makedirs(os.path.join(folder, "bin"), exist_ok=True)
    with open(os.path.join(folder, "buildpack.toml"), "w") as handle:
        handle.write(f'api = "{api}"\n{extra_toml}\n[buildpack]\nid = "{bp_id}"\n')
        handle.write(f'version = "{version}"\nname = "{bp_id}"\n')
    for program, body in (("detect", detect), ("build", build)):
        _executable(os.path.join(folder, "bin", program), f"set -euo pipefail\n{body}\n")
    return folder


def _executable(path: str, body: str, shebang: str = "#!/usr/bin/env bash") -> None:
    with open(path, "w") as handle:
        handle.write(f"{shebang}\n{body}")
    os.chmod(path, 0o755)


def _script_buildpack(staging: str, toml: str, script: str, config: dict | None) -> None:
    with open(os.path.join(staging, "buildpack.toml"), "w") as handle:
        handle.write(toml)
    os.makedirs(os.path.join(staging, "bin"))
    for program in ("detect", "build"):
        command = f"exec '{sys.executable}' -I '{os.path.join(HERE, script)}' {program} \"$@\"\n"
        _executable(os.path.join(staging, "bin", program), command, "#!/bin/sh")
    if config is not None:
        with open(os.path.join(staging, "config.json"), "w") as handle:
            json.dump(config, handle, indent=1)


def fake_procfile() -> str:
    """heroku/procfile as a buildpack folder (fake_procfile.py)."""
    key = _digest(LAYOUT, PROCFILE_TOML, sys.executable, HERE)
    target = os.path.join(CACHE, "buildpacks", f"heroku-procfile-{key}")
    return _made(
        target, lambda staging: _script_buildpack(staging, PROCFILE_TOML, "fake_procfile.py", None)
    )  # noqa: E501


def python_runtime(minor: str) -> tuple[str, str]:
    """(prefix, version): the installed CPython ``minor`` as heroku/python's runtime archive has
    it (heroku-buildpack-python builds/build_python_runtime.sh): no pip, no tests, every ``.pyc``
    recompiled ``--invalidation-mode unchecked-hash``, so that the lifecycle's fixed file times
    leave them valid; its times are already that fixed time."""
    source = standalone(minor)
    target = os.path.join(CACHE, f"python-{minor}-{_digest(LAYOUT, os.path.realpath(source))}")

    def make(staging: str) -> None:
        os.rmdir(staging)
        subprocess.run(["cp", "-a", source, staging], check=True, timeout=600)
        for folder, dirs, _files in os.walk(staging):
            if "__pycache__" in dirs:
                dirs.remove("__pycache__")
                shutil.rmtree(os.path.join(folder, "__pycache__"))
        python = os.path.join(staging, "bin", "python")
        compile_all = [python, "-m", "compileall", "-f", "-q", "--workers", "0"]
        compile_all += ["--invalidation-mode", "unchecked-hash", os.path.join(staging, "lib")]
        subprocess.run(compile_all, capture_output=True, timeout=900)  # test modules fail: fine
        reset_times(staging)

    _made(target, make)
    probe = [
        os.path.join(target, "bin", "python"),
        "-c",
        "import platform as p;print(p.python_version())",
    ]  # noqa: E501
    version = subprocess.run(probe, capture_output=True, text=True, check=True, timeout=60)
    return target, version.stdout.strip()


def _pip_wheels(version: str) -> str:
    """A folder with the pip wheel heroku/python installs (downloaded once)."""
    target = os.path.join(CACHE, f"pip-wheels-{version}")

    def make(staging: str) -> None:
        download = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        subprocess.run([*download, "-d", staging, f"pip=={version}"], check=True, timeout=300)

    return _made(target, make)


def fake_heroku_python(minor: str | None = None) -> str:
    """heroku/python as a buildpack folder (fake_python.py), for uv and pip apps, with the
    Python ``minor`` (default: the newest installed) as its default and only Python."""
    minor = minor or newest()
    home, version = python_runtime(minor)
    uv = os.path.join(tools_bin(), "uv")
    uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True, timeout=60)
    config = {
        "default": minor,
        "pythons": {minor: {"home": home, "version": version}},
        "uv": uv,
        "uv_version": uv_version.stdout.split()[1],
        "pip_version": TOOLS["pip"],
        "pip_wheels": _pip_wheels(TOOLS["pip"]),
        "shared": os.path.join(CACHE, "shared"),
    }
    os.makedirs(config["shared"], exist_ok=True)
    text = json.dumps(config, sort_keys=True)
    key = _digest(LAYOUT, PYTHON_TOML, text, sys.executable, HERE)
    target = os.path.join(CACHE, "buildpacks", f"heroku-python-{key}")
    return _made(
        target, lambda staging: _script_buildpack(staging, PYTHON_TOML, "fake_python.py", config)
    )  # noqa: E501
