"""The build helper's own dependencies, for apps that do not ship them, installed only if used.

The build signs its own requests over the standard library's ``http.client``, so with the keys set
it needs nothing; boto3 is needed only when its credential chain must find the keys. What the app
lacks is installed once into the build cache, keyed by Python version and requirements, and put on
this process's path only.

The app's Python may have no pip (heroku/python builds CPython ``--with-ensurepip=no``, and
installs pip only for pip and Pipenv apps), so pip runs from the wheel every CPython bundles in
``ensurepip/_bundled``, as heroku/python installs pip and Poetry (``utils::bundled_pip_module_path``
in its lib/utils.sh). Each pin carries the SHA-256 of every file of its version, and pip runs with
``--require-hashes``: an altered download fails before its code runs in the build, which holds the
AWS keys (https://pip.pypa.io/en/stable/topics/secure-installs/).
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

from .. import output
from ..errors import S3StaticError
from .app_manager import how_to_add, manager_of

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


BOTO3 = Need(
    ("boto3", "botocore", "urllib3"),
    "boto3.txt",
    "boto3, for its credential chain: no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set",
)


def missing(need: Need) -> list[str]:
    """The modules this Python cannot import (looked up, not imported: imports cost)."""
    return [name for name in need.modules if importlib.util.find_spec(name) is None]


def ensure(build_cache: str, need: Need, app_dir: str, vendor: str = VENDOR) -> str | None:
    """Make ``need`` importable here; return the folder added to the path, if any.

    ``app_dir`` (manage.py's folder) tells the app's package manager, which a failure names."""
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
        _install(folder, requirements, need, app_dir)
        open(complete, "w").close()
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    return folder


def require(need: Need, app_dir: str, command: str) -> None:
    """For a command run by hand, which installs nothing: ``need`` importable, else what to add.

    A developer's environment holds what the app's manager installed there, and no pip at all
    when it is uv's or Poetry's: the message names the app's own manager."""
    absent = missing(need)
    if absent:
        raise S3StaticError(
            f"{command} needs {need.why}, and this Python ({sys.executable}) cannot import "
            f"{', '.join(absent)}.",
            how_to_add(need.modules[0], manager_of(app_dir)) + ", and have it installed where "
            f"you run {command} (the build then installs no copy of its own either).",
        )


#: What pip says when a download does not match its pinned hash.
HASH_MISMATCH = "DO NOT MATCH THE HASHES"


def bundled_pip(stdlib: str | None = None) -> str | None:
    """The pip wheel this Python bundles (the newest, as some releases bundled two), as a path
    Python runs (``<wheel>/pip``: a wheel is a zip, and Python runs a folder inside a zip)."""
    folder = os.path.join(stdlib or sysconfig.get_path("stdlib"), "ensurepip", "_bundled")
    wheels = glob.glob(os.path.join(folder, "pip-*.whl"))
    if not wheels:
        return None
    return os.path.join(max(wheels, key=_wheel_version), "pip")


def _wheel_version(path: str) -> tuple[int, ...]:
    version = os.path.basename(path).split("-")[1]
    return tuple(int(part) for part in re.findall(r"\d+", version))


def pip_command(python: str, bundled: str | None, own_pip: bool) -> list[str] | None:
    """How to run a pip with ``python``: the bundled wheel, else the app's own pip, else none."""
    if bundled is not None:
        return [python, bundled]
    if own_pip:
        return [python, "-m", "pip"]
    return None


#: What pip prints when PyPI (or the index it was given) cannot be reached: then, and only then,
#: building again can help.
_UNREACHABLE = re.compile(
    r"NewConnectionError|ConnectTimeout|ReadTimeout|Temporary failure in name resolution|"
    r"Max retries exceeded|Connection (refused|reset)|Network is unreachable|timed out",
    re.IGNORECASE,
)


def failure_details(pip_output: str, requirements: str, need: Need, app_dir: str) -> list[str]:
    """Why the install failed and what to do, from pip's output."""
    package = need.modules[0]
    add = how_to_add(package, manager_of(app_dir))
    if _UNREACHABLE.search(pip_output):
        return [
            "pip could not reach the package index (PyPI); build again once it answers.",
            f"{add}, and the build installs nothing of its own.",
        ]
    return [
        f"The build needs {need.why}, the app's Python lacks it, and pip could not install "
        f"the pinned {os.path.basename(requirements)} (its message is above).",
        f"{add}, and the build installs nothing of its own.",
    ]


def _install(folder: str, requirements: str, need: Need, app_dir: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    pip = pip_command(sys.executable, bundled_pip(), importlib.util.find_spec("pip") is not None)
    if pip is None:
        raise S3StaticError(
            f"Installing the build helper's dependencies ({need.why}) failed: this Python "
            f"({sys.executable}) has neither pip nor the pip wheel CPython bundles in "
            "ensurepip/_bundled to install them with.",
            how_to_add(need.modules[0], manager_of(app_dir)) + ", and the build installs "
            "nothing of its own.",
        )
    command = [*pip, "install", "--quiet", "--disable-pip-version-check", "--no-input"]
    command += ["--no-cache-dir", "--root-user-action=ignore", "--require-hashes"]
    command += ["--target", folder, "-r", requirements]
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
            "other files than PyPI's: check those. Or let the app install the package itself:",
            how_to_add(need.modules[0], manager_of(app_dir)),
        )
    if process.returncode != 0:
        raise S3StaticError(
            f"Installing the build helper's dependencies from {os.path.basename(requirements)} "
            "failed (pip's message above).",
            *failure_details(process.stdout, requirements, need, app_dir),
        )
