"""The build helper's own dependencies, for apps that do not ship them.

The fast path needs nothing beyond the standard library and urllib3 (requests are signed here);
uploads and a few bucket checks use boto3. Most apps that keep static files on S3 already have
both. For the others, the pinned ``vendor/requirements.txt`` is installed once with the app's
Python into the build cache, keyed by Python version and requirements, and later builds reuse it.
It is put on this process's path only: the app's own processes never see it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from . import output
from .errors import BuildError

REQUIREMENTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "vendor",
    "requirements.txt",
)
NEEDED = ("boto3", "urllib3")


def missing() -> list[str]:
    """The needed packages this Python cannot import (looked up, not imported: imports cost)."""
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def ensure(cache_dir: str, requirements: str = REQUIREMENTS) -> str | None:
    """Make boto3 and urllib3 importable here; return the folder added to the path, if any."""
    if not missing():
        return None
    import hashlib

    with open(requirements, "rb") as handle:
        key = hashlib.sha256(handle.read()).hexdigest()[:12]
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    folder = os.path.join(cache_dir, "django-s3-static", f"deps-py{version}-{key}")
    complete = os.path.join(folder, ".complete")
    if not os.path.exists(complete):
        output.info("Installing the build helper's dependencies (boto3) into the build cache")
        _install(folder, requirements)
        open(complete, "w").close()
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    return folder


def _install(folder: str, requirements: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-input", "--target", folder, "-r", requirements]
    process = subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    for line in process.stdout.splitlines():
        output.raw(line)
    if process.returncode != 0:
        raise BuildError(
            "Installing boto3 for the build helper failed (pip's message above).",
            "Run the build again; if it fails the same way, add boto3 to requirements.txt.",
        )
