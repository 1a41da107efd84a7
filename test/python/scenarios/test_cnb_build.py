"""``bin/detect`` and ``bin/build`` run as a Cloud Native Buildpack lifecycle runs them (Buildpack
API 0.10), after heroku/python's CNB as it leaves the app: its ``venv`` layer made with
``python -m venv --without-pip`` (its src/layers/pip_dependencies.rs), ``VIRTUAL_ENV`` set, the
venv's ``bin`` first on ``PATH``, its ``collectstatic`` run into ``STATIC_ROOT`` (src/django.rs).

Three builds against the test S3 server: a cold one (uploads; the layers; nothing secret in them;
``STATIC_ROOT`` gone from the app's directory; a one-off with the launch environment renders
bucket URLs), a rebuild with the static cache committed and the layers restored as the spec's
Layer Types table says (the fast path; the runtime layer kept, not written again), and Heroku
CI's (``CNB_EXEC_ENV=test``: no bucket, no layer).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomllib

from conftest import delta, deploy_config
from support.dyno import FIXTURES, ROOT

SECRET_KEY_NAME = "AWS_SECRET_ACCESS_KEY"
PROCFILE = "web: gunicorn exampleapp.wsgi\nrelease: python manage.py promote_static\n"


@dataclass
class Cnb:
    """One app's builds: the layers of heroku/python (faked) and of this buildpack."""

    root: str
    venv: str
    config: dict[str, str]

    @property
    def platform(self) -> str:
        return os.path.join(self.root, "platform")

    def app(self, name: str) -> str:
        app = os.path.join(self.root, name)
        shutil.copytree(os.path.join(FIXTURES, "example_app"), app)
        with open(os.path.join(app, "Procfile"), "w") as handle:
            handle.write(PROCFILE)
        return app

    def env(self, layers: str, **extra: str) -> dict[str, str]:
        """bin/build's environment: the lifecycle's variables and heroku/python's build layers'
        (clear-env: no config var)."""
        return {
            "PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin",
            "HOME": self.root,
            "LANG": "C.UTF-8",
            "VIRTUAL_ENV": self.venv,
            "CNB_LAYERS_DIR": layers,
            "CNB_PLATFORM_DIR": self.platform,
            "CNB_BUILDPACK_DIR": ROOT,
            "CNB_BP_PLAN_PATH": os.path.join(self.root, "plan.toml"),
            **extra,
        }

    def build(self, app: str, layers: str, **extra: str) -> subprocess.CompletedProcess:
        os.makedirs(layers, exist_ok=True)
        return subprocess.run(
            [os.path.join(ROOT, "bin", "build")],
            cwd=app,
            env=self.env(layers, **extra),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )


def fake_heroku_python_venv(venv: str) -> None:
    """heroku/python's venv layer: no pip; here the test Python's packages through a .pth."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", venv], check=True)
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    with open(os.path.join(venv, "lib", version, "site-packages", "_test_app.pth"), "w") as pth:
        pth.write(sysconfig.get_path("purelib") + "\n")


def restored(layers: str, name: str) -> None:
    """What a rebuild finds of a layer: its metadata without ``[types]`` ("Layer Types")."""
    with open(os.path.join(layers, f"{name}.toml"), "rb") as handle:
        metadata = tomllib.load(handle)["metadata"]
    with open(os.path.join(layers, f"{name}.toml"), "w") as handle:
        handle.write("[metadata]\n" + "".join(f'{k} = "{v}"\n' for k, v in metadata.items()))


def layer_toml(layers: str, name: str) -> dict:
    with open(os.path.join(layers, f"{name}.toml"), "rb") as handle:
        return tomllib.load(handle)


def files_holding(folder: str, needle: bytes) -> list[str]:
    paths = Path(folder).rglob("*")
    return [str(path) for path in paths if path.is_file() and needle in path.read_bytes()]


def read_dir(folder: str) -> dict[str, str]:
    """An environment folder: file name → contents."""
    return {path.name: path.read_text() for path in Path(folder).iterdir()}


def launch_env(layers: str, config: dict[str, str], venv: str) -> dict[str, str]:
    """The launcher's environment for a process: the config vars, heroku/python's venv, then this
    buildpack's env.launch files by the spec's rules (PYTHONPATH unset before them)."""
    read = read_dir(os.path.join(layers, "runtime", "env.launch"))
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "VIRTUAL_ENV": venv, "HOME": "/nonexistent"}
    env.update(config)
    delim = read.pop("PYTHONPATH.delim")
    parts = [read.pop("PYTHONPATH.prepend"), read.pop("PYTHONPATH.append", "")]
    env["PYTHONPATH"] = delim.join(part for part in parts if part)
    for name, value in read.items():
        variable, rule = name.split(".")
        if rule == "override" or (rule == "default" and not env.get(variable)):
            env[variable] = value
    return env


@pytest.fixture(scope="module")
def cnb(tmp_path_factory, s3server) -> Cnb:
    root = str(tmp_path_factory.mktemp("cnb"))
    venv = os.path.join(root, "layers", "heroku_python", "venv")
    fake_heroku_python_venv(venv)
    config = deploy_config(s3server, s3server.bucket())
    del config["DISABLE_COLLECTSTATIC"]  # Cedar's switch: heroku/python's CNB has none
    built = Cnb(root, venv, config)
    os.makedirs(os.path.join(built.platform, "env"))
    for name, value in config.items():
        with open(os.path.join(built.platform, "env", name), "w") as handle:
            handle.write(value)
    return built


@pytest.fixture(scope="module")
def cold(cnb) -> tuple[str, str, subprocess.CompletedProcess]:
    app = cnb.app("workspace-1")
    # heroku/python's collectstatic, as its CNB runs it before this buildpack (src/django.rs).
    collected = subprocess.run(
        [f"{cnb.venv}/bin/python", "manage.py", "collectstatic", "--noinput"],
        cwd=app,
        env={"PATH": "/usr/bin:/bin", **cnb.config},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    assert os.path.isdir(os.path.join(app, "staticfiles"))
    layers = os.path.join(cnb.root, "layers", "django-s3-static_django-s3-static")
    return app, layers, cnb.build(app, layers)


def test_detect_passes_in_the_app_directory_and_writes_no_plan(cnb, tmp_path):
    app = cnb.app("workspace-detect")
    plan = tmp_path / "plan.toml"
    detected = subprocess.run(
        [os.path.join(ROOT, "bin", "detect")],
        cwd=app,
        env={
            "PATH": "/usr/bin:/bin",
            "CNB_BUILD_PLAN_PATH": str(plan),
            "CNB_PLATFORM_DIR": cnb.platform,
            "CNB_BUILDPACK_DIR": ROOT,
        },
        capture_output=True,
        text=True,
    )
    assert (detected.returncode, detected.stdout, detected.stderr) == (0, "", "")
    assert not plan.exists()


def test_a_cold_build_uploads_and_writes_the_two_layers(cold, cnb):
    app, layers, build = cold
    assert build.returncode == 0, build.stdout + build.stderr
    assert build.stderr == ""
    assert "Uploaded" in build.stdout
    assert "Wrote static_cache/manifest.json into the image" in build.stdout
    assert layer_toml(layers, "build-cache")["types"] == {
        "launch": False,
        "build": False,
        "cache": True,
    }
    assert set(layer_toml(layers, "build-cache")["metadata"]) == {"python", "requirements"}
    launch_only = {"launch": True, "build": False, "cache": False}
    assert layer_toml(layers, "runtime")["types"] == launch_only
    runtime = os.path.join(layers, "runtime")
    assert sorted(os.listdir(os.path.join(runtime, "site"))) == [
        "__pycache__",
        "_django_s3_static_hook.py",
        "sitecustomize.py",
    ]
    assert os.path.isfile(os.path.join(runtime, "lib", "django_s3_static", "storage.py"))
    # The lifecycle resets file times: the compiled files are hash-based, and never checked.
    tag = sys.implementation.cache_tag
    pyc = Path(runtime, "site", "__pycache__", f"_django_s3_static_hook.{tag}.pyc").read_bytes()
    assert int.from_bytes(pyc[4:8], "little") == 0b01
    assert os.listdir(os.path.join(layers, "build-cache", "django-s3-static")) == ["bytecode"]
    assert read_dir(os.path.join(runtime, "env.launch")) == {
        "PYTHONPATH.prepend": os.path.join(runtime, "site"),
        "PYTHONPATH.append": os.path.join(runtime, "lib"),
        "PYTHONPATH.delim": ":",
        "DJANGO_S3_STATIC_CACHE_PATH.default": os.path.join(app, "static_cache"),
        "DJANGO_S3_STATIC_BUILD_SETTINGS.override": "exampleapp.settings",
        "DJANGO_S3_STATIC_RELEASE_PROMOTES.override": "1",
    }
    # The static cache stays in the app's directory, for the developer to commit.
    assert os.path.isfile(os.path.join(app, "static_cache", "manifest.json"))


def test_what_heroku_pythons_collectstatic_left_is_removed_and_said(cold):
    app, _, build = cold
    assert not os.path.exists(os.path.join(app, "staticfiles"))
    assert "Removed staticfiles/ (STATIC_ROOT, " in build.stdout


def test_nothing_secret_is_in_a_layer_or_the_log(cold, cnb):
    _, layers, build = cold
    secret = cnb.config[SECRET_KEY_NAME].encode()
    assert files_holding(layers, secret) == []
    assert secret.decode() not in build.stdout + build.stderr


def test_a_process_with_the_launch_environment_renders_bucket_urls(cold, cnb, s3server):
    app, layers, _ = cold
    shown = subprocess.run(
        [
            f"{cnb.venv}/bin/python",
            "manage.py",
            "shell",
            "-c",
            "from django.templatetags.static import static; print(static('css/site.css'))",
        ],
        cwd=app,
        env=launch_env(layers, cnb.config, cnb.venv),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    url = shown.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{s3server.endpoint}/{cnb.config['AWS_STORAGE_BUCKET_NAME']}/css/site.")
    assert url != "css/site.css"


def test_a_rebuild_with_the_committed_cache_takes_the_fast_path_and_keeps_the_layers(
    cold, cnb, s3server
):
    app, layers, build = cold
    assert build.returncode == 0
    # A fresh checkout at the same path (the lifecycle's <app>), with the static cache committed.
    committed = os.path.join(cnb.root, "committed")
    shutil.copytree(os.path.join(app, "static_cache"), committed)
    shutil.rmtree(app)
    cnb.app(os.path.basename(app))
    shutil.copytree(committed, os.path.join(app, "static_cache"))
    restored(layers, "build-cache")
    restored(layers, "runtime")
    shutil.rmtree(os.path.join(layers, "runtime"))  # a launch-only layer: metadata, no contents
    bucket = cnb.config["AWS_STORAGE_BUCKET_NAME"]
    before = s3server.request_counts(bucket)
    rebuild = cnb.build(app, layers)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    assert "Static files unchanged" in rebuild.stdout
    # The listing and this release's record: no object uploaded.
    assert delta(before, s3server.request_counts(bucket)) == {"LIST": 1, "PUT": 1}
    assert "Emptied the build cache layer" not in rebuild.stdout
    # The cached layer came back with its contents: the app's label is the cold build's.
    label = re.compile(r"-(cache-[0-9a-f]{8})\.json")
    assert label.findall(rebuild.stdout) == label.findall(build.stdout) != []
    assert "the runtime layer is unchanged, the image keeps it" in rebuild.stdout
    assert not os.path.exists(os.path.join(layers, "runtime"))
    assert layer_toml(layers, "runtime")["types"]["launch"] is True
    assert layer_toml(layers, "build-cache")["types"]["cache"] is True


def test_heroku_ci_checks_the_static_cache_with_no_bucket_and_no_layer(cnb, tmp_path):
    app = cnb.app("workspace-ci")
    platform = tmp_path / "platform"
    (platform / "env").mkdir(parents=True)
    (platform / "env" / "SECRET_KEY").write_text("django-secret-for-tests")
    layers = str(tmp_path / "layers")
    env = {"CNB_EXEC_ENV": "test", "CNB_PLATFORM_DIR": str(platform)}
    ci = cnb.build(app, layers, **env)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert "Heroku CI, nothing uploaded" in ci.stdout
    assert os.listdir(layers) == []
