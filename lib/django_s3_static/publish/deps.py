"""The build helper's own dependencies, for apps that do not ship them, installed only if used.

Installed once into the build cache, keyed by Python version and requirements, and put on this
process's path only.
Each pin carries the SHA-256 of every file of its version, and pip runs with ``--require-hashes``:
an altered download fails before its code runs in the build, which holds the AWS keys
(https://pip.pypa.io/en/stable/topics/secure-installs/).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from .. import output
from ..errors import S3StaticError

VENDOR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "vendor",
)


@dataclass(frozen=True)
class Need:
    """Modules the build needs for one purpose, and the pinned requirements that provide them."""

    modules: tuple[str, ...]
    requirements: str
    why: str


HOT_PATH = Need(("urllib3",), "urllib3.txt", "urllib3, for the signed S3 requests")
BOTO3 = Need(
    ("boto3", "botocore", "urllib3"),
    "boto3.txt",
    "boto3, for its credential chain: no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set",
)


def missing(need: Need) -> list[str]:
    """The modules this Python cannot import (looked up, not imported: imports cost)."""
    return [name for name in need.modules if importlib.util.find_spec(name) is None]


def ensure(build_cache: str, need: Need, vendor: str = VENDOR) -> str | None:
    """Make ``need`` importable here; return the folder added to the path, if any."""
    if not missing(need):
        return None
    requirements = os.path.join(vendor, need.requirements)
    with open(requirements, "rb") as handle:
        key = hashlib.sha256(handle.read()).hexdigest()[:12]
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    name = os.path.splitext(need.requirements)[0]
    folder = os.path.join(build_cache, "django-s3-static", f"{name}-py{version}-{key}")
    complete = os.path.join(folder, ".complete")
    if not os.path.exists(complete):
        output.info(f"Installing the build helper's dependencies ({need.why}) into the build cache")
        _install(folder, requirements)
        open(complete, "w").close()
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    ADDED.append(folder)
    return folder


#: The build cache folders ``ensure`` put on this process's path.
ADDED: list[str] = []


def from_build_cache(name: str) -> str | None:
    """The package folder of ``name`` when only the build cache provides it (the app lacks it)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return None
    folder = os.path.dirname(spec.origin)
    return folder if any(folder.startswith(added + os.sep) for added in ADDED) else None


#: What pip says when a download does not match its pinned hash.
HASH_MISMATCH = "DO NOT MATCH THE HASHES"


def _install(folder: str, requirements: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-input", "--require-hashes", "--target", folder, "-r", requirements]
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
    if process.returncode != 0 and HASH_MISMATCH in process.stdout:
        raise S3StaticError(
            "The build helper's dependencies downloaded for "
            f"{os.path.basename(requirements)} do not match the hashes pinned in it (pip's "
            "message above); nothing was installed.",
            "A proxy, a mirror or a package index (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL) served",
            "other files than PyPI's. Check those; or add the packages to requirements.txt, so",
            "that the app's own installation is used instead.",
        )
    if process.returncode != 0:
        raise S3StaticError(
            f"Installing the build helper's dependencies from {os.path.basename(requirements)} "
            "failed (pip's message above).",
            "Run the build again; if it fails the same way, add them to requirements.txt.",
        )
