"""Whether the app's release phase runs promote_static (pure but for two small files)."""

from __future__ import annotations

from django_s3_static.buildpack.procfile import release_command, release_promotes


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
