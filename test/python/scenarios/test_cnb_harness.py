"""The CNB harness with the fake heroku/python and heroku/procfile on a uv Django app: one build,
then its image. The layers are heroku/buildpacks-python's (src/layers/python.rs, uv.rs,
uv_cache.rs, uv_dependencies.rs): names, types, metadata keys, env files; its collectstatic
(src/django.rs) runs in the build; the image runs with the venv first on PATH and compiled
files that the lifecycle's fixed file times leave valid."""

from __future__ import annotations

import glob
import os

import pytest

from support.cnb import NORMALIZED_TIME, Lifecycle
from support.dyno import http_get
from support.fir_apps import fir_group, uv_app

PYTHON = "heroku/python"


@pytest.fixture(scope="module")
def fir(tmp_path_factory):
    app = uv_app(tmp_path_factory.mktemp("source") / "app", procfile=None)
    buildpacks = fir_group(middle=[])
    with Lifecycle(
        tmp_path_factory.mktemp("fir"), buildpacks, app, platform_env={"SECRET_KEY": "k"}
    ) as lc:
        lc.built = lc.build().check()
        yield lc


def _read(path: str, size: int = -1) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def test_the_layers_are_heroku_pythons(fir):
    image, cache = fir.built.image, fir.cache
    assert sorted(name for bp, name in image.layers if bp == PYTHON) == ["python", "venv"]
    assert sorted(name for bp, name in cache if bp == PYTHON) == ["python", "uv", "venv"]
    python, venv = image.layers[(PYTHON, "python")], image.layers[(PYTHON, "venv")]
    assert (python.types.build, python.types.launch, python.types.cache) == (True, True, True)
    assert set(python.metadata) == {"arch", "distro_name", "distro_version", "python_version"}
    assert set(venv.metadata) == {
        *("arch", "distro_name", "distro_version", "python_version", "uv_version"),
    }
    assert (venv.types.build, venv.types.launch, venv.types.cache) == (True, True, True)
    python_dir, venv_dir = (image.layer_path(PYTHON, n) for n in ("python", "venv"))
    config = _read(os.path.join(venv_dir, "pyvenv.cfg")).decode().splitlines()
    home = dict(line.split(" = ", 1) for line in config)
    assert home["home"] == os.path.join(fir.layers_dir, "heroku_python", "python", "bin")
    assert not glob.glob(f"{venv_dir}/lib/python*/site-packages/pip")  # --without-pip
    assert os.path.exists(os.path.join(venv_dir, "bin", "django-admin"))
    env_files = {
        os.path.relpath(path, image.layers_dir): _read(path).decode()
        for path in glob.glob(f"{image.layers_dir}/heroku_python/*/env*/*")
    }
    assert env_files["heroku_python/venv/env/VIRTUAL_ENV.override"] == os.path.join(
        fir.layers_dir, "heroku_python", "venv"
    )
    assert env_files["heroku_python/python/env/PYTHONUNBUFFERED.override"] == "1"
    assert env_files["heroku_python/python/env.build/SOURCE_DATE_EPOCH.default"] == "315532801"
    assert "heroku_python/venv/env.build/UV_PROJECT_ENVIRONMENT.override" in env_files
    assert os.lstat(os.path.join(python_dir, "bin")).st_mtime == NORMALIZED_TIME


def test_collectstatic_ran_in_the_build_and_its_folder_is_in_the_image(fir):
    assert "[Generating Django static files]" in fir.built.output
    assert "Running 'manage.py collectstatic'" in fir.built.output
    assert "static files copied to" in fir.built.output
    assert os.path.isfile(os.path.join(fir.built.image.app, "staticfiles", "css", "site.css"))


def test_the_image_runs_on_the_venv(fir):
    venv = os.path.join(fir.layers_dir, "heroku_python", "venv")
    probe = "import django, sys; print(sys.prefix); print(django.__file__)"
    done = fir.run(f'python -c "{probe}"; echo "$VIRTUAL_ENV $PYTHONUNBUFFERED"')
    assert done.stdout.splitlines() == [venv, done.stdout.splitlines()[1], f"{venv} 1"]
    assert done.stdout.splitlines()[1].startswith(f"{venv}/lib/python")
    assert "No module named 'pip'" in fir.run('python -c "import pip"').stderr
    web = fir.serve("web")
    try:
        status, _headers, body = http_get(web.url + "/")
    finally:
        web.stop()
    assert status == 200 and "/static/css/site.css" in body


def test_compiled_files_stay_valid_after_the_file_times_are_reset(fir):
    """uv compiles with SOURCE_DATE_EPOCH set (the python layer's env.build default), so the
    venv's .pyc are checked-hash ones (flags 3), as the stdlib's are unchecked-hash (flags 1)."""
    venv = fir.built.image.layer_path(PYTHON, "venv")
    python = fir.built.image.layer_path(PYTHON, "python")
    django_pyc = glob.glob(f"{venv}/lib/python*/site-packages/django/__pycache__/__init__.*.pyc")
    os_pyc = glob.glob(f"{python}/lib/python*/__pycache__/os.*.pyc")
    flags = [int.from_bytes(_read(path, 8)[4:8], "little") for path in django_pyc + os_pyc]
    assert flags == [3, 1]
