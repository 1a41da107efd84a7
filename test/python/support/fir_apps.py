"""Shared steps of the Heroku Fir scenarios (``support.cnb``'s lifecycle): Fir's group for a Django
app, the example app as a uv project, the config vars of a Fir app, and the checkout a developer
pushes after committing the static cache a build left."""

from __future__ import annotations

import os
import shutil

from conftest import deploy_config

from .cnb import Image, fake_heroku_python, fake_procfile
from .dyno import FIXTURES, ROOT

#: This buildpack's id (buildpack.toml) and its folder in ``<layers>``.
ID = "django-s3-static/django-s3-static"
PROCFILE = "web: gunicorn exampleapp.wsgi\nrelease: python manage.py promote_static\n"
#: test/fixtures/managers/uv: Django and gunicorn, locked.
UV_FILES = ("pyproject.toml", "uv.lock")


def fir_group(middle: list[str] | None = None) -> list[str]:
    """The group a Fir app's ``project.toml`` names: heroku/python, this buildpack (or
    ``middle``), heroku/procfile."""
    return [fake_heroku_python(), *(middle if middle is not None else [ROOT]), fake_procfile()]


def uv_app(folder: str, procfile: str | None = PROCFILE) -> str:
    """The example app as a uv project in ``folder`` (its requirements.txt replaced by the uv
    fixture's lock: heroku/python wants one package manager), with ``procfile`` (None: the
    example app's own)."""
    folder = str(folder)
    shutil.copytree(os.path.join(FIXTURES, "example_app"), folder)
    os.remove(os.path.join(folder, "requirements.txt"))
    for name in UV_FILES:
        shutil.copy(os.path.join(FIXTURES, "managers", "uv", name), os.path.join(folder, name))
    if procfile is not None:
        with open(os.path.join(folder, "Procfile"), "w") as handle:
            handle.write(procfile)
    return folder


def fir_config(s3server, bucket: str, **extra: str) -> dict[str, str]:
    """A Fir app's config vars: Cedar's, less ``DISABLE_COLLECTSTATIC`` (heroku/python's CNB has
    no such switch)."""
    config = deploy_config(s3server, bucket, **extra)
    del config["DISABLE_COLLECTSTATIC"]
    return config


def committed(source: str, image: Image, folder: str) -> str:
    """A checkout of ``source`` in ``folder`` with the static cache ``image``'s build left in
    the app's directory committed, as the build asks."""
    folder = str(folder)
    shutil.copytree(source, folder)
    shutil.copytree(os.path.join(image.app, "static_cache"), os.path.join(folder, "static_cache"))
    return folder


def our_output(log: str) -> str:
    """This buildpack's part of a build log: from its first step line to the next buildpack's
    output (heroku/procfile's heading) or the lifecycle's next line."""
    ours = log.split("-----> Django static files on S3 (django-s3-static)", 1)[1]
    for end in ("\n## Procfile Buildpack", "\nERROR: ", "\n===> "):
        ours = ours.split(end, 1)[0]
    return ours


def files_holding(top: str, needles: list[str]) -> list[str]:
    """The files under ``top`` (links not followed) that hold one of ``needles``."""
    found = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as handle:
                content = handle.read()
            found += [path for needle in needles if needle.encode() in content]
    return found
