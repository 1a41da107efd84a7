"""The hook's start-up pieces as the build writes them, run by a real interpreter (no server):
the ``sitecustomize`` chain, the ``.pth``, one finder whichever loads first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from django_s3_static.buildpack import install

PROBE = (
    "import sys; "
    "print('finders', sum(getattr(f, '_django_s3_static', False) for f in sys.meta_path)); "
    "print('app', getattr(sys.modules.get('sitecustomize'), 'APP', None)); "
    "print('imported', '_django_s3_static_hook' in sys.modules)"
)


def lay_out(home, shim: bool = True) -> str:
    """The hook's folder as the build writes it: with the ``sitecustomize`` for a virtualenv's
    Python (``shim``), else the runtime's folder, which the ``.pth`` puts on the path."""
    folder = os.path.join(home, install.SLUG_SITE if shim else install.SLUG_LIB)
    os.makedirs(folder)
    shutil.copy(install.HOOK_SOURCE, os.path.join(folder, "_django_s3_static_hook.py"))
    if shim:
        with open(os.path.join(folder, "sitecustomize.py"), "w") as handle:
            handle.write(install.SITECUSTOMIZE)
    return folder


def start(python_path: list[str], home, python: str = sys.executable, **extra: str):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": os.pathsep.join(python_path)}
    env.update(extra)
    return subprocess.run([python, "-c", PROBE], env=env, capture_output=True, text=True)


def test_the_same_folder_by_two_spellings_runs_once_and_the_apps_sitecustomize_after(tmp_path):
    site = lay_out(tmp_path)
    link = tmp_path / "site-link"
    os.symlink(site, link)
    app = tmp_path / "app"
    app.mkdir()
    (app / "sitecustomize.py").write_text("APP = 'ran'\n")
    started = start([site, str(link), str(app), site], tmp_path)
    assert started.returncode == 0, started.stderr
    assert "RecursionError" not in started.stderr
    assert started.stdout.split("\n")[:2] == ["finders 1", "app ran"]


def test_without_an_app_sitecustomize_the_chain_stops(tmp_path):
    site = lay_out(tmp_path)
    started = start([site, str(tmp_path)], tmp_path)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split("\n")[:2] == ["finders 1", "app None"]


def test_the_user_site_pth_loads_the_hook_before_any_sitecustomize(tmp_path):
    """The interpreter this virtualenv is made from has a user site, as heroku/python's has: the
    ``.pth`` alone installs the hook, and an agent's ``sitecustomize`` first on the path (that
    loads no other) does not keep it out, nor the app's path from its own."""
    base = getattr(sys, "_base_executable", sys.executable)
    lib = lay_out(tmp_path, shim=False)
    install.write_user_site_pth(str(tmp_path))
    agent = tmp_path / "agent"
    agent.mkdir()
    (agent / "sitecustomize.py").write_text("APP = 'agent'\n")
    started = start([str(agent), str(tmp_path), lib], tmp_path, base)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split("\n")[:2] == ["finders 1", "app agent"]
    # A process that replaced PYTHONPATH: the .pth adds the hook's folder (the runtime's) itself.
    alone = start([str(agent)], tmp_path, base)
    assert alone.stdout.split("\n")[:2] == ["finders 1", "app agent"], alone.stderr


@pytest.mark.parametrize("value", ["0", " Off ", "false", "no"])
def test_switched_off_the_pth_imports_nothing_of_the_hook(tmp_path, value):
    """The documented switch is read by the ``.pth`` line itself: a process that does not want
    the hook pays for no import of it. Its other spellings leave the hook imported but off."""
    base = getattr(sys, "_base_executable", sys.executable)
    lib = lay_out(tmp_path, shim=False)
    install.write_user_site_pth(str(tmp_path))
    off = start([str(tmp_path), lib], tmp_path, base, DJANGO_S3_STATIC_WRAP_SETTINGS=value)
    assert off.returncode == 0, off.stderr
    imported = "imported False" if value == "0" else "imported True"
    assert off.stdout.split("\n")[:3] == ["finders 0", "app None", imported]
    on = start([str(tmp_path), lib], tmp_path, base, DJANGO_S3_STATIC_WRAP_SETTINGS="1")
    assert on.stdout.split("\n")[:3] == ["finders 1", "app None", "imported True"]


def test_switched_off_in_a_virtualenv_the_apps_sitecustomize_still_runs(tmp_path):
    site = lay_out(tmp_path)
    app = tmp_path / "app"
    app.mkdir()
    (app / "sitecustomize.py").write_text("APP = 'ran'\n")
    off = start([site, str(app)], tmp_path, DJANGO_S3_STATIC_WRAP_SETTINGS="0")
    assert off.returncode == 0, off.stderr
    assert off.stdout.split("\n")[:2] == ["finders 0", "app ran"]
