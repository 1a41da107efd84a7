"""Whether the app's release phase runs promote_static (pure but for two small files)."""

from __future__ import annotations

import pytest

from django_s3_static.buildpack.procfile import (
    processes,
    release_command,
    release_promotes,
    runs_program,
)


def procfile(tmp_path, text: str):
    (tmp_path / "Procfile").write_text(text)
    return str(tmp_path)


def test_no_procfile_or_no_release_line(tmp_path):
    assert release_command(str(tmp_path)) is None
    assert not release_promotes(procfile(tmp_path, "web: gunicorn app.wsgi\n"))


def test_the_release_command_itself(tmp_path):
    folder = procfile(
        tmp_path, "web: gunicorn app.wsgi\nrelease: python manage.py promote_static && x\n"
    )
    assert release_command(folder) == "python manage.py promote_static && x"
    assert release_promotes(folder)


def test_a_release_that_does_not_promote(tmp_path):
    assert not release_promotes(procfile(tmp_path, "release: python manage.py migrate\n"))


def test_a_script_the_release_command_runs(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "release.sh").write_text("set -e\npython manage.py promote_static\n")
    assert release_promotes(procfile(tmp_path, "release: bash bin/release.sh\n"))


def test_a_script_outside_the_app_is_not_read(tmp_path):
    outside = tmp_path / "outside.sh"
    outside.write_text("python manage.py promote_static\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("release: sh ../outside.sh\n")
    assert not release_promotes(str(app))


def test_an_unparsable_command(tmp_path):
    assert not release_promotes(procfile(tmp_path, "release: echo 'unclosed\n"))


# -- the text promote_static where nothing runs it -------------------------------------------------

NOT_RUN = [
    "release: python manage.py migrate  # TODO: python manage.py promote_static\n",
    "release: echo 'remember promote_static' && python manage.py migrate\n",
    "release: python manage.py migrate --skip-checks promote_static\n",
    "# release: python manage.py promote_static\nrelease: python manage.py migrate\n",
    "#release: python manage.py promote_static\nweb: gunicorn app.wsgi\n",
    "web: gunicorn app.wsgi --name promote_static\n",
    "release: python manage.py promote_static\nrelease: python manage.py migrate\n",
    "release_tasks: python manage.py promote_static\n",
    "release: python manage.py promote_static && echo 'unclosed\n",  # bash runs none of it
]


@pytest.mark.parametrize("text", NOT_RUN)
def test_the_word_alone_does_not_count(tmp_path, text):
    assert not release_promotes(procfile(tmp_path, text))


RUN = [
    "release: python manage.py promote_static\n",
    "release:python manage.py promote_static\n",
    "  release: ./manage.py promote_static --noinput\n",
    "release: python manage.py migrate && python src/manage.py promote_static\n",
    "release: DJANGO_SETTINGS_MODULE=app.prod exec python manage.py promote_static\n",
    "release: django-admin promote_static --settings=app.settings\n",
    "release: python -m django promote_static\n",
    "release: bash -c 'python manage.py migrate; python manage.py promote_static'\n",
    "release: python manage.py migrate\nrelease: python manage.py promote_static\n",
    "# the release phase\nweb: gunicorn app.wsgi\nrelease: python manage.py promote_static # 1st\n",
]


@pytest.mark.parametrize("text", RUN)
def test_a_command_that_runs_it(tmp_path, text):
    assert release_promotes(procfile(tmp_path, text))


def test_a_script_that_only_mentions_it(tmp_path):
    (tmp_path / "release.sh").write_text(
        "#!/bin/sh\n# python manage.py promote_static: not yet\nset -e\n"
        "echo skipping promote_static\npython manage.py migrate\n"
    )
    assert not release_promotes(procfile(tmp_path, "release: sh release.sh\n"))
    (tmp_path / "release.sh").write_text(
        "set -e\npython manage.py migrate && \\\n  python manage.py promote_static\n"
    )
    assert release_promotes(procfile(tmp_path, "release: sh release.sh\n"))


def test_a_python_release_script(tmp_path):
    script = tmp_path / "release.py"
    script.write_text(
        "from django.core.management import call_command\n"
        "# call_command('promote_static')\ncall_command('migrate')\n"
    )
    assert not release_promotes(procfile(tmp_path, "release: python release.py\n"))
    script.write_text(
        "from django.core.management import call_command\ncall_command('promote_static')\n"
    )
    assert release_promotes(procfile(tmp_path, "release: python release.py\n"))


@pytest.mark.parametrize(
    ("command", "runs"),
    [
        ("opentelemetry-instrument gunicorn app.wsgi", True),
        ("OTEL_X=1 exec bin/opentelemetry-instrument python x.py", True),
        ("python manage.py migrate && opentelemetry-instrument gunicorn app.wsgi", True),
        ("echo opentelemetry-instrument", False),
        ("gunicorn app.wsgi # opentelemetry-instrument", False),
    ],
)
def test_whether_a_command_runs_a_program(command, runs):
    assert runs_program(command, "opentelemetry-instrument") is runs


def test_every_process_type_and_its_last_line(tmp_path):
    text = "web: gunicorn a\n# worker: x\nweb: gunicorn b\n  clock:  python clock.py \nbad line\n"
    assert processes(procfile(tmp_path, text)) == {"web": "gunicorn b", "clock": "python clock.py"}
