"""Which django-s3-static the dyno runs, and what the build says of it (``buildpack.install``):
the buildpack's copy unless the app's Python has an installation of its own."""

from __future__ import annotations

import os
import sys

import pytest

from django_s3_static.buildpack import install
from django_s3_static.config import Config
from django_s3_static.publish.app_process import AppProcess

OWN = "Using the app's own django-s3-static"


@pytest.fixture
def build_dir(tmp_path):
    folder = tmp_path / "build"
    os.makedirs(folder)
    (folder / "Procfile").write_text("web: gunicorn app.wsgi\n")
    return folder


def pieces(build_dir) -> str:
    """Install the dyno's pieces as a build does; the profile script written."""
    app = AppProcess(str(build_dir), "app.settings")
    install.install_dyno_pieces(
        str(build_dir), app, Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    )
    with open(build_dir / install.PROFILE_SCRIPT) as handle:
        return handle.read()


def test_a_build_whose_app_has_no_installation_uses_the_buildpacks(build_dir, capsys):
    """The app has no django-s3-static of its own: the runtime is the buildpack's copy, nothing
    else goes beside it, and nothing says otherwise."""
    profile = pieces(build_dir)
    assert OWN not in capsys.readouterr().out
    assert os.path.isfile(build_dir / install.SLUG_LIB / "django_s3_static" / "__init__.py")
    assert f"$HOME/{install.SLUG_LIB}" in profile
    assert "vendor" not in os.listdir(build_dir / install.SLUG_HOME)


def test_an_app_with_its_own_installation_keeps_it_and_the_build_says_so(
    build_dir, tmp_path, capsys, monkeypatch
):
    site = tmp_path / "site-packages"
    os.makedirs(site / "django_s3_static")
    (site / "django_s3_static" / "__init__.py").write_text("")
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    profile = pieces(build_dir)
    said = capsys.readouterr().out
    assert f"{OWN} (installed in {site}) on the dyno" in said
    assert not os.path.exists(build_dir / install.SLUG_LIB / "django_s3_static")
    assert install.SLUG_LIB not in profile


@pytest.mark.parametrize("user_site", [True, False], ids=["user site", "virtualenv"])
def test_the_hook_is_where_the_apps_python_loads_it_with_no_folder_more_than_needed(
    build_dir, monkeypatch, user_site
):
    """A Python with a user site loads the hook from the ``.pth``: the hook sits in the runtime's
    folder, which the ``.pth`` names, and no folder of its own goes on every start's path. A
    virtualenv's reads no ``.pth``: its ``sitecustomize`` comes first on ``PYTHONPATH``."""
    monkeypatch.setattr(install.site_module, "ENABLE_USER_SITE", user_site)
    profile = pieces(build_dir)
    folder = build_dir / (install.SLUG_LIB if user_site else install.SLUG_SITE)
    assert os.path.isfile(folder / "_django_s3_static_hook.py")
    assert os.path.isfile(
        folder / "__pycache__" / f"_django_s3_static_hook.{sys.implementation.cache_tag}.pyc"
    )
    assert os.path.exists(build_dir / install.SLUG_SITE) is not user_site
    assert (f'PYTHONPATH="$HOME/{install.SLUG_SITE}:' in profile) is not user_site
    with open(os.path.join(install.user_site(str(build_dir)), install.PTH_NAME)) as handle:
        lines = handle.read().splitlines()
    assert os.path.normpath(os.path.join(install.user_site(str(build_dir)), lines[0])) == str(
        build_dir / install.SLUG_LIB
    )
    assert lines[1].endswith('__import__("_django_s3_static_hook")') and len(lines) == 2
