"""The benchmark's real app: its peers collect the same files as its build does."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "test" / "fixtures" / "wagtail_app" / "uv.lock"
BENCH_REQUIREMENTS = ROOT / "test" / "bench" / "requirements.txt"


def _name(text: str) -> str:
    """PEP 503's normalised name: pins and locks spell names differently."""
    return re.sub(r"[-_.]+", "-", text).lower()


def test_bench_venv_pins_the_real_apps_locked_versions():
    """The peers run in .venv-bench and the build in the Python made from uv.lock: a package
    at another version there would collect other static files, and the rows would compare
    different trees."""
    locked = {
        _name(package["name"]): package["version"]
        for package in tomllib.loads(LOCK.read_text(encoding="utf-8"))["package"]
    }
    pinned = dict(
        (_name(name), version)
        for name, version in re.findall(
            r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)",
            BENCH_REQUIREMENTS.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    assert {"wagtail", "djangorestframework", "django"} <= pinned.keys()
    differ = {
        name: (pinned[name], locked[name])
        for name in pinned.keys() & locked.keys()
        if pinned[name] != locked[name]
    }
    assert differ == {}
