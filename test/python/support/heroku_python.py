"""The app's Python as heroku/python leaves it in ``BUILD_DIR/.heroku/python``, per package manager.

heroku/python (v351, https://github.com/heroku/heroku-buildpack-python/tree/v351) installs a
standalone CPython built without pip (``--with-ensurepip=no``, test folders and static libraries
removed: builds/build_python_runtime.sh), then the app's dependencies with its manager:

- uv (``uv.lock``): ``UV_PROJECT_ENVIRONMENT`` is the Python's own prefix, ``uv sync --locked
  --no-default-groups`` (lib/uv.sh); no pip anywhere;
- Poetry (``poetry.lock``): Poetry in a venv of its own (in the build cache), installed with the
  pip wheel the standard library bundles (``utils::bundled_pip_module_path`` in lib/utils.sh),
  ``POETRY_VIRTUALENVS_CREATE=false``, ``poetry sync --only main`` (lib/poetry.sh);
- pip (``requirements.txt``): pip (and setuptools on 3.10 to 3.12) installed into the prefix with
  that wheel, then ``pip install -r requirements.txt`` (lib/pip.sh);
- Pipenv (``Pipfile.lock``): Pipenv in a venv inside the prefix (``.heroku/python/pipenv``),
  ``PIPENV_SYSTEM=1``, ``pipenv install --deploy`` (lib/pipenv.sh); the prefix gets no pip.

``app_python(fixture)`` makes that prefix once for the manager's files (``MANAGER_FILES``) of
``test/fixtures/managers/<fixture>``, or of an app fixture ``test/fixtures/<fixture>`` that ships
its own (pyproject.toml and uv.lock beside its manage.py), from a CPython installed on this
machine (pyenv's: ``cpythons()``), and keeps it in
``test/.cache/heroku-python`` under a marker naming everything it was made from; later sessions
reuse it. The managers come from PyPI at heroku/python v351's pinned versions
(requirements/*.txt there) into a tools venv beside it. Their downloads go to each tool's usual
cache under ``~/.cache`` (heroku/python's own flags turn some off), so that a fresh checkout on
the same machine makes its prefixes without downloading again.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CACHE = os.path.join(ROOT, "test", ".cache", "heroku-python")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
MANAGER_FIXTURES = os.path.join(FIXTURES, "managers")
#: What heroku/python's managers read from the app's root folder: all a prefix is made from (in
#: sorted order, so that a manager fixture's key is that of all its files).
MANAGER_FILES = (
    ".python-version",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "pyproject.toml",
    "requirements.txt",
    "uv.lock",
)
#: heroku/python v351's requirements/{uv,poetry,pipenv,pip}.txt.
TOOLS = {"uv": "0.12.5", "poetry": "2.4.1", "pipenv": "2026.7.1", "pip": "26.2.1"}
#: lib/pip.sh installs this setuptools beside pip on Python 3.10 to 3.12.
SETUPTOOLS = "70.3.0"
#: Bump when the way a prefix is made changes.
LAYOUT_VERSION = "1"
MARKERS = (("Pipfile.lock", "pipenv"), ("requirements.txt", "pip"), ("poetry.lock", "poetry"))


@dataclass(frozen=True)
class AppPython:
    """A made prefix: where it is, which manager filled it, and which fixture it holds."""

    home: str
    manager: str
    fixture: str
    version: str

    @property
    def python(self) -> str:
        return os.path.join(self.home, "bin", "python")


def fixture_dir(fixture: str) -> str:
    """``test/fixtures/managers/<fixture>`` (a manager's files alone), else the app fixture
    ``test/fixtures/<fixture>``, whose root folder holds its manager's files."""
    managers = os.path.join(MANAGER_FIXTURES, fixture)
    return managers if os.path.isdir(managers) else os.path.join(FIXTURES, fixture)


def manager_of(fixture: str) -> str:
    """The manager heroku/python picks for a fixture (lib/package_manager.sh's order)."""
    folder = fixture_dir(fixture)
    for marker, manager in MARKERS:
        if os.path.isfile(os.path.join(folder, marker)):
            return manager
    return "uv"


def _pyenv_root() -> str:
    try:
        found = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
        return found.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def cpythons() -> dict[str, str]:
    """Each CPython 3.10+ installed under pyenv (newest patch of each minor): ``{"3.13": prefix}``.

    ``DSS_TEST_CPYTHONS`` (prefixes separated by ``:``) adds others, such as a 3.14 built here.
    """
    found: dict[str, tuple[tuple[int, ...], str]] = {}
    candidates = glob.glob(os.path.join(_pyenv_root(), "versions", "3.*"))
    candidates += [p for p in os.environ.get("DSS_TEST_CPYTHONS", "").split(":") if p]
    for prefix in candidates:
        for python in glob.glob(os.path.join(prefix, "bin", "python3.[0-9]*")):
            match = re.fullmatch(r"python(3)\.(\d+)", os.path.basename(python))
            if not match or int(match.group(2)) < 10:
                continue
            version = subprocess.run(
                [python, "-c", "import sys; print(*sys.version_info[:3])"],
                capture_output=True,
                text=True,
            ).stdout.split()
            if not version or not _has_bundled_pip(prefix, f"3.{match.group(2)}"):
                continue
            key = tuple(int(part) for part in version)
            minor = f"3.{match.group(2)}"
            if minor not in found or found[minor][0] < key:
                found[minor] = (key, os.path.realpath(prefix))
    return {minor: prefix for minor, (_key, prefix) in sorted(found.items())}


def newest() -> str:
    """The newest minor version installed: the one the manager scenarios run on."""
    found = cpythons()
    if not found:
        raise RuntimeError(
            f"No CPython 3.10+ with its bundled pip wheel under {_pyenv_root()}/versions: "
            "install one (pyenv install 3.13), or set DSS_TEST_CPYTHONS to a prefix."
        )
    return list(found)[-1]


def pinned(fixture: str) -> str | None:
    """The major version a fixture's ``.python-version`` names (heroku/python requires one of a
    uv app: lib/python_version.sh), installed here; None without one."""
    path = os.path.join(fixture_dir(fixture), ".python-version")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        minor = ".".join(handle.read().split()[0].split(".")[:2])
    if minor not in cpythons():
        raise RuntimeError(f"{path} asks for Python {minor}: install it (pyenv install {minor}).")
    return minor


def _has_bundled_pip(prefix: str, minor: str) -> bool:
    return bool(bundled_pip(prefix, minor))


def bundled_pip(prefix: str, minor: str) -> str | None:
    """``utils::bundled_pip_module_path``: the stdlib's pip wheel, as a path Python runs."""
    wheels = sorted(glob.glob(f"{prefix}/lib/python{minor}/ensurepip/_bundled/pip-*.whl"))
    return f"{wheels[-1]}/pip" if wheels else None


def _locked(name: str):
    """An exclusive lock: test files in parallel processes wait for the one making ``name``."""
    os.makedirs(CACHE, exist_ok=True)
    handle = open(os.path.join(CACHE, f"{name}.lock"), "w")  # noqa: SIM115 - returned
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _skip_in_copy(folder: str, names: list[str]) -> set[str]:
    """What build_python_runtime.sh leaves out of heroku/python's CPython, and what pip-less
    means: test folders, static libraries, idle/pydoc, and everything installed in site-packages."""
    skipped = {n for n in names if n in ("test", "tests", "idle_test") or n.endswith(".a")}
    if os.path.basename(folder) == "site-packages":
        skipped |= {n for n in names if n != "README.txt"}
    if os.path.basename(folder) == "bin":
        skipped |= {n for n in names if n.startswith(("pip", "idle", "pydoc", "2to3"))}
    return skipped


def standalone(minor: str) -> str:
    """A pip-less standalone copy of the installed CPython ``minor``, made once."""
    source = cpythons()[minor]
    target = os.path.join(CACHE, f"cpython-{minor}")
    marker = os.path.join(target, f".made-{LAYOUT_VERSION}-{_digest(source)}")
    with _locked(f"cpython-{minor}"):
        if not os.path.exists(marker):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, symlinks=True, ignore=_skip_in_copy)
            python = os.path.join(target, "bin", "python")
            if not os.path.lexists(python):
                os.symlink("python3", python)
            open(marker, "w").close()
    return target


def app_python(fixture: str, minor: str | None = None) -> AppPython:
    """The prefix heroku/python leaves for the app of ``fixture_dir(fixture)``."""
    minor = minor or pinned(fixture) or newest()
    manager = manager_of(fixture)
    base = standalone(minor)
    name = f"{fixture}-py{minor}"
    folder = os.path.join(CACHE, "apps", name)
    home = os.path.join(folder, "python")
    files = _manager_files(fixture_dir(fixture))
    key = _digest(LAYOUT_VERSION, base, repr(TOOLS), *_contents(files))
    marker = os.path.join(folder, f".made-{key}")
    with _locked(name):
        if not os.path.exists(marker):
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            # Hard links: the standard library is shared, site-packages is the app's own.
            subprocess.run(["cp", "-al", base, home], check=True)
            build = os.path.join(folder, "build")
            os.makedirs(build)
            for path in files:
                shutil.copy(path, build)
            INSTALL[manager](home, minor, build, os.path.join(folder, "cache"))
            shutil.rmtree(build)
            open(marker, "w").close()
    return AppPython(home, manager, fixture, minor)


def _manager_files(folder: str) -> list[str]:
    return [
        os.path.join(folder, name)
        for name in MANAGER_FILES
        if os.path.isfile(os.path.join(folder, name))
    ]


def _contents(paths: list[str]) -> list[str]:
    return [f"{os.path.basename(p)}:{open(p, encoding='utf-8').read()}" for p in paths]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def tools_bin() -> str:
    """A venv with uv from PyPI (the binary heroku/python downloads is the same release)."""
    venv = os.path.join(CACHE, "tools")
    marker = os.path.join(venv, f".made-{_digest(repr(TOOLS))}")
    with _locked("tools"):
        if not os.path.exists(marker):
            subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
            _pip(os.path.join(venv, "bin", "python"), "-m", "pip", f"uv=={TOOLS['uv']}")
            open(marker, "w").close()
    return os.path.join(venv, "bin")


def _env(home: str, **extra: str) -> dict[str, str]:
    """The build's environment after heroku/python's ``export``: its Python first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{home}/bin:{env['PATH']}"
    env.update(extra)
    return env


def _run(command: list[str], cwd: str, env: dict[str, str]) -> None:
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{process.stdout}{process.stderr}")


def _pip(python: str, *pip_and_args: str, env: dict[str, str] | None = None) -> None:
    """heroku/python's pip flags for installing its tools."""
    command = [python, *pip_and_args[:-1], "install", "--disable-pip-version-check"]
    command += ["--isolated", "--no-input", "--quiet", pip_and_args[-1]]
    _run(command, "/", env or dict(os.environ))


def _install_uv(home: str, minor: str, build: str, cache: str) -> None:
    env = _env(
        home,
        UV_PROJECT_ENVIRONMENT=home,
        UV_NO_MANAGED_PYTHON="1",
        UV_PYTHON_DOWNLOADS="never",
        UV_LINK_MODE="hardlink",
    )
    uv = os.path.join(tools_bin(), "uv")
    command = [uv, "sync", "--locked", "--no-default-groups", "--compile-bytecode", "--no-progress"]
    _run(command, build, env)


def _tool_venv(python: str, venv: str, prefix: str, minor: str, requirement: str) -> str:
    """``python -m venv --without-pip`` and the tool installed with the bundled pip wheel."""
    _run([python, "-m", "venv", "--without-pip", venv], "/", _env(prefix))
    _pip(os.path.join(venv, "bin", "python"), bundled_pip(prefix, minor), requirement)
    return os.path.join(venv, "bin")


def _install_poetry(home: str, minor: str, build: str, cache: str) -> None:
    python = os.path.join(home, "bin", "python")
    venv = os.path.join(cache, ".heroku", "python-poetry", "venv")
    bin_dir = _tool_venv(python, venv, home, minor, f"poetry=={TOOLS['poetry']}")
    env = _env(home, POETRY_VIRTUALENVS_CREATE="false", POETRY_VIRTUALENVS_USE_POETRY_PYTHON="true")
    command = [f"{bin_dir}/poetry", "sync", "--only", "main", "--compile", "--no-ansi"]
    _run([*command, "--no-interaction"], build, env)


def _install_pip(home: str, minor: str, build: str, cache: str) -> None:
    python = os.path.join(home, "bin", "python")
    packages = [f"pip=={TOOLS['pip']}"]
    if minor in ("3.10", "3.11", "3.12"):
        packages.append(f"setuptools=={SETUPTOOLS}")
    command = [python, bundled_pip(home, minor), "install", "--disable-pip-version-check"]
    _run([*command, "--isolated", "--no-input", "--quiet", *packages], "/", _env(home))
    command = [python, "-m", "pip", "install", "-r", "requirements.txt", "--exists-action=w"]
    command += ["--no-input", "--progress-bar", "off"]  # cached downloads: a fresh clone's
    _run(command, build, _env(home, PIP_DISABLE_PIP_VERSION_CHECK="1"))


def _install_pipenv(home: str, minor: str, build: str, cache: str) -> None:
    python = os.path.join(home, "bin", "python")
    venv = os.path.join(home, "pipenv", "venv")
    bin_dir = _tool_venv(python, venv, home, minor, f"pipenv=={TOOLS['pipenv']}")
    os.makedirs(os.path.join(home, "pipenv", "bin"))
    os.symlink(f"{bin_dir}/pipenv", os.path.join(home, "pipenv", "bin", "pipenv"))
    env = _env(home, PIPENV_SYSTEM="1", PIPENV_VERBOSITY="-1", VIRTUAL_ENV=home, PIPENV_NOSPIN="1")
    _run([os.path.join(home, "pipenv", "bin", "pipenv"), "install", "--deploy"], build, env)


INSTALL = {
    "uv": _install_uv,
    "poetry": _install_poetry,
    "pip": _install_pip,
    "pipenv": _install_pipenv,
}


def has_pip(home: str) -> bool:
    """Whether the prefix's Python can import pip (uv and Poetry apps: never)."""
    python = os.path.join(home, "bin", "python")
    probe = [python, "-c", "import importlib.util as u, sys; sys.exit(not u.find_spec('pip'))"]
    return subprocess.run(probe, env=_env(home), capture_output=True).returncode == 0
