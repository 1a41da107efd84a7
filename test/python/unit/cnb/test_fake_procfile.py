"""The fake heroku/procfile: its Procfile rules (heroku/buildpacks-procfile SPEC.md,
src/procfile.rs) and the processes it gives the image (src/launch.rs)."""

from __future__ import annotations

import pytest
import tomllib

from support.cnb import Lifecycle, fake_procfile
from support.cnb.fake_procfile import ProcfileError, launch_toml, parse


def test_procfile_entries_comments_and_corrections():
    text = (
        "# a comment\n\n"
        "web: gunicorn app.wsgi --log-file -\n"
        "  release:python manage.py migrate\r\n"
        "Worker_One: celery worker\n"
        "web: gunicorn other.wsgi\n"
    )
    processes, warnings = parse(text)
    assert processes == {
        "web": "gunicorn other.wsgi",
        "release": "python manage.py migrate",
        "worker-one": "celery worker",
    }
    assert "Procfile key Worker_One has been corrected to worker-one" in warnings[1]
    assert "Duplicate key `web` found" in warnings[2]
    assert parse("")[1] == ["Empty file, no processes defined"]


@pytest.mark.parametrize(
    "line", ["web gunicorn", "web:   ", "-web: x", "w.eb: x", "a" * 64 + ": x"]
)
def test_procfile_refusals(line):
    with pytest.raises(ProcfileError):
        parse(line + "\n")


def test_processes_run_with_bash_and_web_is_the_default():
    processes = tomllib.loads(launch_toml({"release": "migrate", "web": "serve"}))["processes"]
    assert processes == [
        {"type": "release", "command": ["bash", "-c"], "args": ["migrate"], "default": False},
        {"type": "web", "command": ["bash", "-c"], "args": ["serve"], "default": True},
    ]
    (only,) = tomllib.loads(launch_toml({"worker": "work"}))["processes"]
    assert only["default"] is True


def test_the_image_runs_the_procfile(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text('web: echo "web $PORT in $PWD"\nrelease: exit 3\n')
    with Lifecycle(tmp_path / "root", [fake_procfile()], app) as lc:
        built = lc.build().check()
        assert '- web: `echo "web $PORT in $PWD"`' in built.output
        assert built.image.default_process == "web"
        web = lc.launch(env={"PORT": "5000"})
        assert web.wait(timeout=30) == 0
        assert web.log() == f"web 5000 in {lc.app_dir}\n"
        assert lc.launch("release").wait(timeout=30) == 3
        (app / "Procfile").unlink()
        assert lc.detect().runs[0].code == 100
