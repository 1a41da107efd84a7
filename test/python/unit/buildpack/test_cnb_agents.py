"""Process wrappers that hide the settings hook on Fir (``buildpack.cnb_agents``): the build names
the processes ``opentelemetry-instrument`` wraps, unless the settings apply the snippet."""

from __future__ import annotations

from django_s3_static.buildpack import cnb_agents
from django_s3_static.buildpack.cnb_agents import hiding_processes, settings_file

PROCFILE = """\
web: opentelemetry-instrument gunicorn mysite.wsgi
worker: newrelic-admin run-program celery -A mysite worker
clock: OTEL_SERVICE_NAME=clock exec /app/.venv/bin/opentelemetry-instrument python clock.py
release: echo opentelemetry-instrument && python manage.py promote_static
# old: opentelemetry-instrument python old.py
"""


def app(tmp_path, procfile: str = PROCFILE, settings: str = "DEBUG = False\n"):
    (tmp_path / "mysite").mkdir(parents=True)
    (tmp_path / "Procfile").write_text(procfile)
    (tmp_path / "mysite" / "settings.py").write_text(settings)
    return str(tmp_path)


def test_the_processes_a_hiding_wrapper_runs(tmp_path):
    """The wrapper as the command it runs, by name or path, after assignments and exec; not
    an argument of another command, nor a comment; ddtrace-run and newrelic-admin load the
    next sitecustomize."""
    assert hiding_processes(app(tmp_path)) == [
        ("web", "opentelemetry-instrument"),
        ("clock", "opentelemetry-instrument"),
    ]


def test_the_settings_file_of_a_module_or_a_package(tmp_path):
    folder = app(tmp_path)
    assert settings_file(folder, "mysite.settings") == f"{folder}/mysite/settings.py"
    (tmp_path / "config" / "settings").mkdir(parents=True)
    (tmp_path / "config" / "settings" / "__init__.py").write_text("")
    assert settings_file(folder, "config.settings") == f"{folder}/config/settings/__init__.py"
    assert settings_file(folder, "nowhere.settings") is None


def test_the_build_names_the_processes_and_gives_the_guarded_snippet(tmp_path, capsys):
    folder = app(tmp_path)
    cnb_agents.say_hidden_hook(folder, folder, "mysite.settings")
    said = capsys.readouterr().out
    assert said.startswith(
        " !     Warning: The Procfile's web (opentelemetry-instrument), clock "
        "(opentelemetry-instrument) would render the settings' own STATIC_URL, not the bucket's.\n"
    )
    assert "End the settings module (mysite/settings.py) with the snippet" in said
    assert (
        ' !       if os.environ.get("DJANGO_S3_STATIC_BUILD_SETTINGS"):'
        "  # set on the dyno by the buildpack\n"
        " !           from django_s3_static.snippet import install; install(globals())"
    ) in said


def test_nothing_is_said_when_the_settings_apply_the_snippet_or_no_wrapper_hides_it(
    tmp_path, capsys
):
    guarded = "import os\n" + "\n".join(cnb_agents.GUARDED_SNIPPET[2:]) + "\n"
    applied = app(tmp_path / "applied", settings=guarded)
    cnb_agents.say_hidden_hook(applied, applied, "mysite.settings")
    plain = app(tmp_path / "plain", procfile="web: ddtrace-run gunicorn mysite.wsgi\n")
    cnb_agents.say_hidden_hook(plain, plain, "mysite.settings")
    assert capsys.readouterr().out == ""
