"""heroku/python's CNB, faked: ``fake_python.py detect|build`` is what the buildpack folder that
``fakes.fake_heroku_python()`` writes runs as its bin/detect and bin/build.

It writes the layers heroku/buildpacks-python writes (read at f81d0dc1, buildpack 6.5.6), with
their names, types, metadata keys and env files, and runs the same commands:

- detect (src/detect.rs): passes when one of its known Python project files is in the app;
- build (src/main.rs): refuses the env vars of src/checks.rs; one package manager file
  (src/package_manager.rs); the Python minor from ``.python-version`` or the default; then
- ``python`` (src/layers/python.rs): build, launch, cache; metadata arch, distro_name,
  distro_version, python_version; ``env/PYTHONUNBUFFERED.override``, ``env.build/`` ``CPATH``
  and ``PKG_CONFIG_PATH`` prepends, ``SOURCE_DATE_EPOCH.default`` = 315532801;
- uv (src/layers/uv.rs, uv_cache.rs, uv_dependencies.rs): ``uv`` (build, cache) with ``bin/uv``
  and ``UV_NO_MANAGED_PYTHON``, ``UV_PYTHON_DOWNLOADS``, ``UV_LINK_MODE``; ``uv-cache`` (build)
  with ``UV_CACHE_DIR``; ``venv`` (build, launch, cache) made by ``python -m venv --without-pip``,
  with ``env.build/UV_PROJECT_ENVIRONMENT`` and ``env/VIRTUAL_ENV``, filled by ``uv sync
  --locked --no-default-groups --color always --compile-bytecode --no-progress``;
- pip (src/layers/pip.rs, pip_cache.rs, pip_dependencies.rs): ``pip`` (build, cache) installed
  ``--user`` with the stdlib's pip wheel (``PYTHONUSERBASE``, ``PIP_DISABLE_PIP_VERSION_CHECK``);
  ``pip-cache`` (build, cache) with ``PIP_CACHE_DIR``; ``venv`` (build, launch, not cached) with
  ``PIP_PYTHON`` and ``VIRTUAL_ENV``, filled by ``pip install --no-input --progress-bar off
  --requirement requirements.txt``;
- src/django.rs: with ``<venv>/bin/django-admin`` and ``manage.py``, and ``manage.py help
  collectstatic`` not saying "Unknown command", ``python manage.py collectstatic --noinput``.

Where it differs: the Python is a local CPython (``config.json``), not a download; uv is the
test tools' uv; pip's wheel comes from a local folder. A first build seeds the ``uv-cache`` /
``pip-cache`` layer from a machine-wide copy keyed by the lock file (``test/.cache/cnb/shared``)
and fills that copy, so only the first build of a lock on a machine downloads. Poetry apps are
refused with a message.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

import tomllib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from support.cnb.env_files import with_build_layer  # noqa: E402 - after the path
from support.cnb.tomlw import dumps  # noqa: E402

KNOWN_PYTHON_PROJECT_FILES = (
    *(".python-version", "__init__.py", "app.py", "main.py", "manage.py", "pdm.lock", "Pipfile"),
    *("Pipfile.lock", "poetry.lock", "pyproject.toml", "requirements.txt", "runtime.txt"),
    *("server.py", "setup.cfg", "setup.py", "uv.lock", "requeriments.txt", "requirement.txt"),
    *("requirements", "requirements.text", "Requirements.txt", "requirements.txt.txt"),
    *("requirments.txt", "__pycache__/", ".venv/", "venv/"),
)
FORBIDDEN_ENV_VARS = (
    *("PIP_CACHE_DIR", "PIP_PREFIX", "PIP_PYTHON", "PIP_ROOT", "PIP_TARGET", "PIP_USER"),
    *("POETRY_CACHE_DIR", "POETRY_DATA_DIR", "POETRY_HOME", "POETRY_VIRTUALENVS_CREATE"),
    *("POETRY_VIRTUALENVS_IN_PROJECT", "POETRY_VIRTUALENVS_USE_POETRY_PYTHON", "PYTHONHOME"),
    *("PYTHONINSPECT", "PYTHONNOUSERSITE", "PYTHONPLATLIBDIR", "PYTHONUSERBASE", "UV_CACHE_DIR"),
    *("UV_LINK_MODE", "UV_MANAGED_PYTHON", "UV_NO_CACHE", "UV_NO_MANAGED_PYTHON", "UV_PROJECT"),
    *("UV_PROJECT_ENVIRONMENT", "UV_PYTHON", "UV_PYTHON_DOWNLOADS", "UV_PYTHON_PREFERENCE"),
    "VIRTUAL_ENV",
)
MANAGER_FILES = (("pip", "requirements.txt"), ("Poetry", "poetry.lock"), ("uv", "uv.lock"))
ALL = (True, True, True)  # (build, launch, cache)


class Failure(Exception):
    def __init__(self, header: str, body: str):
        super().__init__(header)
        self.header, self.body = header, body


def log_header(title: str) -> None:
    print(f"\n[{title}]", flush=True)


def log_info(message: str) -> None:
    print(message, flush=True)


def run(command: list[str], env: dict[str, str], cwd: str = "/", capture: bool = False):
    sys.stdout.flush()
    if capture:
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    done = subprocess.run(command, env=env, cwd=cwd, stdout=sys.stdout, stderr=sys.stdout)
    if done.returncode != 0:
        raise Failure(f"Unable to run {command[0]}", f"'{' '.join(command)}' failed")
    return done


def copy_links(source: str, target: str) -> None:
    """``target`` filled with hard links of ``source``'s files."""
    os.makedirs(target, exist_ok=True)
    subprocess.run(["cp", "-a", "-l", f"{source}/.", target], check=True, timeout=300)


class Layer:
    """libcnb's cached/uncached layer: kept when restored with the same metadata, else new."""

    def __init__(self, layers_dir: str, name: str, types: tuple[bool, bool, bool], metadata):
        self.path = os.path.join(layers_dir, name)
        self.toml = self.path + ".toml"
        old = None
        if os.path.isdir(self.path) and os.path.exists(self.toml):
            with open(self.toml, "rb") as handle:
                old = tomllib.load(handle).get("metadata")
        self.env: dict[str, str] = {}
        self.restored = types[2] and metadata is not None and old == metadata
        if not self.restored:
            shutil.rmtree(self.path, ignore_errors=True)
            os.makedirs(self.path)
        build, launch, cache = types
        data = {"types": {"build": build, "launch": launch, "cache": cache}}
        if metadata is not None:
            data["metadata"] = metadata
        with open(self.toml, "w", encoding="utf-8") as handle:
            handle.write(dumps(data))

    def write_env(self, files: dict[str, str], env: dict[str, str]) -> dict[str, str]:
        """``write_env`` (folder/NAME.action -> value), then the layer applied to ``env`` for the
        rest of this build (``read_env``, ``Scope::Build``)."""
        for folder in ("env", "env.build", "env.launch"):
            shutil.rmtree(os.path.join(self.path, folder), ignore_errors=True)
        for relative, text in files.items():
            path = os.path.join(self.path, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        return with_build_layer(env, self.path)


def detect(app: str) -> int:
    if any(os.path.exists(os.path.join(app, name)) for name in KNOWN_PYTHON_PROJECT_FILES):
        return 0
    log_info(
        "No supported Python package manager files found (such as requirements.txt, "
        "poetry.lock or uv.lock)."
    )
    return 100


def requested_minor(app: str, default: str) -> str:
    path = os.path.join(app, ".python-version")
    if not os.path.exists(path):
        log_info(f"No Python version specified, using the current default of Python {default}.")
        return default
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    minor = ".".join(lines[0].split(".")[:2]) if lines else default
    log_info(f"Using Python version {minor} specified in .python-version")
    return minor


def build(app: str, layers_dir: str, config: dict) -> None:
    env = dict(os.environ)
    forbidden = [name for name in FORBIDDEN_ENV_VARS if name in env]
    if forbidden:
        raise Failure("Unsafe environment variable found", f"Unset: {', '.join(forbidden)}")
    found = [name for name, file in MANAGER_FILES if os.path.exists(os.path.join(app, file))]
    if len(found) != 1:
        raise Failure(
            "Package manager", f"Exactly one of requirements.txt, poetry.lock, uv.lock: {found}"
        )  # noqa: E501
    manager = found[0]
    if manager == "Poetry":
        raise Failure("Poetry", "The fake heroku/python builds uv and pip apps (fake_python.py)")
    log_header("Determining Python version")
    minor = requested_minor(app, config["default"])
    if minor not in config["pythons"]:
        raise Failure("Python", f"Python {minor} was not prepared: fake_heroku_python(minor=...)")
    python = config["pythons"][minor]
    target = {
        "arch": env.get("CNB_TARGET_ARCH", ""),
        "distro_name": env.get("CNB_TARGET_DISTRO_NAME", ""),
        "distro_version": env.get("CNB_TARGET_DISTRO_VERSION", ""),
    }
    log_header("Installing Python")
    layer = Layer(layers_dir, "python", ALL, {**target, "python_version": python["version"]})
    if layer.restored:
        log_info(f"Using cached Python {python['version']}")
    else:
        log_info(f"Installing Python {python['version']}")
        copy_links(python["home"], layer.path)
    build_env = {
        "env.build/CPATH.prepend": f"{layer.path}/include/python{minor}",
        "env.build/CPATH.delim": ":",
        "env.build/PKG_CONFIG_PATH.prepend": f"{layer.path}/lib/pkgconfig",
        "env.build/PKG_CONFIG_PATH.delim": ":",
        "env/PYTHONUNBUFFERED.override": "1",
        "env.build/SOURCE_DATE_EPOCH.default": "315532801",
    }
    env = layer.write_env(build_env, env)
    install = install_with_uv if manager == "uv" else install_with_pip
    meta = {**target, "python_version": python["version"]}
    venv = install(app, layers_dir, env, config, meta, layer.path)
    if os.path.exists(os.path.join(venv.path, "bin", "django-admin")):
        log_header("Generating Django static files")
        collectstatic(app, venv.env)


def _shared(config: dict, kind: str, app: str, lock: str) -> str:
    with open(os.path.join(app, lock), "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    return os.path.join(config["shared"], f"{kind}-{digest}")


def _keep(layer_path: str, shared: str) -> None:
    """The machine-wide copy of a cache layer, made once per lock."""
    if os.path.isdir(shared):
        return
    staging = f"{shared}.{os.getpid()}"
    copy_links(layer_path, staging)
    try:
        os.rename(staging, shared)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another build made it first


def install_with_uv(app: str, layers_dir: str, env: dict, config: dict, meta: dict, _home: str):
    log_header("Installing uv")
    uv_meta = {k: meta[k] for k in ("arch", "distro_name", "distro_version")}
    uv = Layer(
        layers_dir, "uv", (True, False, True), {**uv_meta, "uv_version": config["uv_version"]}
    )  # noqa: E501
    if uv.restored:
        log_info(f"Using cached uv {config['uv_version']}")
    else:
        log_info(f"Installing uv {config['uv_version']}")
        os.makedirs(os.path.join(uv.path, "bin"))
        os.symlink(config["uv"], os.path.join(uv.path, "bin", "uv"))
    uv_env = {
        "UV_NO_MANAGED_PYTHON": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "hardlink",
    }  # noqa: E501
    env = uv.write_env({f"env.build/{k}.override": v for k, v in uv_env.items()}, env)
    log_header("Installing dependencies using uv")
    cache = Layer(layers_dir, "uv-cache", (True, False, False), None)
    shared = _shared(config, "uv-cache", app, "uv.lock")
    if os.path.isdir(shared):
        copy_links(shared, cache.path)
    env = cache.write_env({"env.build/UV_CACHE_DIR.override": cache.path}, env)
    venv = Layer(layers_dir, "venv", ALL, {**meta, "uv_version": config["uv_version"]})
    if venv.restored:
        log_info("Using cached virtual environment")
    else:
        log_info("Creating virtual environment")
        run(["python", "-m", "venv", "--without-pip", venv.path], env)
    files = {
        "env.build/UV_PROJECT_ENVIRONMENT.override": venv.path,
        "env/VIRTUAL_ENV.override": venv.path,
    }
    venv.env = env = venv.write_env(files, env)
    log_info("Running 'uv sync --locked --no-default-groups'")
    sync = ["uv", "sync", "--locked", "--no-default-groups", "--color", "always"]
    run([*sync, "--compile-bytecode", "--no-progress"], env, app)
    _keep(cache.path, shared)
    return venv


def install_with_pip(app: str, layers_dir: str, env: dict, config: dict, meta: dict, home: str):
    log_header("Installing pip")
    version = config["pip_version"]
    pip = Layer(layers_dir, "pip", (True, False, True), {**meta, "pip_version": version})
    files = {
        "env.build/PIP_DISABLE_PIP_VERSION_CHECK.override": "1",
        "env.build/PYTHONUSERBASE.override": pip.path,
    }
    if pip.restored:
        log_info(f"Using cached pip {version}")
    else:
        log_info(f"Installing pip {version}")
        wheel = sorted(glob.glob(f"{home}/lib/python*/ensurepip/_bundled/pip-*.whl"))[-1]
        flags = ["--disable-pip-version-check", "--isolated", "--no-index", "--no-input"]
        flags += ["--find-links", config["pip_wheels"], "--no-warn-script-location", "--quiet"]
        user_env = {**env, "PYTHONUSERBASE": pip.path}
        run(["python", f"{wheel}/pip", "install", *flags, "--user", f"pip=={version}"], user_env)
    env = pip.write_env(files, env)
    log_header("Installing dependencies using pip")
    cache = Layer(layers_dir, "pip-cache", (True, False, True), {**meta, "pip_version": version})
    shared = _shared(config, "pip-cache", app, "requirements.txt")
    if cache.restored:
        log_info("Using cached pip download/wheel cache")
    elif os.path.isdir(shared):
        copy_links(shared, cache.path)
    env = cache.write_env({"env.build/PIP_CACHE_DIR.override": cache.path}, env)
    venv = Layer(layers_dir, "venv", (True, True, False), None)
    log_info("Creating virtual environment")
    run(["python", "-m", "venv", "--without-pip", venv.path], env)
    files = {"env.build/PIP_PYTHON.override": venv.path, "env/VIRTUAL_ENV.override": venv.path}
    venv.env = env = venv.write_env(files, env)
    log_info("Running 'pip install -r requirements.txt'")
    install = ["pip", "install", "--no-input", "--progress-bar", "off"]
    run([*install, "--requirement", "requirements.txt"], env, app)
    _keep(cache.path, shared)
    return venv


def collectstatic(app: str, env: dict) -> None:
    if not os.path.exists(os.path.join(app, "manage.py")):
        log_info(
            "Skipping automatic static file generation since no Django 'manage.py'\n"
            "script (or symlink to one) was found in the root directory of your\napplication."
        )
        return
    probe = run(["python", "manage.py", "help", "collectstatic"], env, app, capture=True)
    if probe.returncode != 0:
        if "Unknown command" in probe.stderr:
            log_info(
                "Skipping automatic static file generation since the "
                "'django.contrib.staticfiles'\nfeature isn't enabled in your app's Django "
                "configuration."
            )
            return
        body = f"'manage.py help collectstatic' failed:\n{probe.stdout}{probe.stderr}"
        raise Failure("Unable to inspect Django configuration", body)
    log_info("Running 'manage.py collectstatic'")
    try:
        run(["python", "manage.py", "collectstatic", "--noinput"], env, app)
    except Failure:
        raise Failure("Unable to generate Django static files", "collectstatic failed") from None


def main(argv: list[str]) -> int:
    app = os.getcwd()
    if argv[0] == "detect":
        return detect(app)
    with open(os.path.join(os.environ["CNB_BUILDPACK_DIR"], "config.json")) as handle:
        config = json.load(handle)
    try:
        build(app, os.environ["CNB_LAYERS_DIR"], config)
    except Failure as failure:
        print(f"\n[Error: {failure.header}]\n{failure.body}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
