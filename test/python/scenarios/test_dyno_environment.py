"""What every kind of process on a dyno sees, run as Heroku runs the slug (``support.dyno``).

Dynos source ``.profile.d/*.sh`` in an arbitrary order
(https://devcenter.heroku.com/articles/buildpack-api#profile-d-scripts); here this buildpack's
script runs before heroku/python's ``python.sh``, which only defaults ``PYTHONPATH`` to ``$HOME``
(``test_heroku_python_*`` run both orders). Each process then picks
its own settings module: the ``DJANGO_SETTINGS_MODULE`` config var, else the ``setdefault`` of
``manage.py``, ``wsgi.py``, ``asgi.py`` or a worker's module, or ``--settings``, or an assignment
in the Procfile. The fixture ``layered_app`` is laid out as cookiecutter-django lays out a project:
``manage.py`` defaults to ``config.settings.local`` (``DEBUG = True``), ``wsgi.py`` to
``config.settings.production``.
"""

from __future__ import annotations

import os
import time

import pytest

from conftest import deploy_config

PREFIX = "static"


@pytest.fixture(scope="module")
def layered(tmp_path_factory, app_python_home, s3server):
    """The cookiecutter-style app, built once (its own bucket) and shared by the module's tests."""
    from support.dyno import Slug

    bucket = s3server.bucket()
    slug = Slug(str(tmp_path_factory.mktemp("layered")), app_python_home).prepare("layered_app")
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION=PREFIX))
    result = slug.compile()
    assert result.returncode == 0, result.output
    slug.bucket_url = f"{s3server.endpoint}/{bucket}/{PREFIX}/"
    return slug


def hashed_css(slug) -> str:
    return slug.bucket_url + "css/layered."


def probe(before: str = "", after: str = "") -> str:
    """Python code that prints the settings module, DEBUG and a static URL, last on stdout."""
    return (
        f"{before}import django; django.setup(); from django.conf import settings; "
        f"from django.templatetags.static import static; {after}"
        "print(settings.SETTINGS_MODULE, settings.DEBUG, static('css/layered.css'))"
    )


def fields(output: str) -> tuple[str, str, str]:
    module, debug, url = output.split()[-3:]
    return module, debug, url


def test_the_web_dyno_runs_wsgi_pys_settings_and_renders_bucket_urls(layered):
    dyno = layered.start("web")
    try:
        status, page = dyno.get("/")
    finally:
        dyno.stop()
    assert status == 200, page
    assert "config.settings.production DEBUG=False" in page
    assert f'href="{hashed_css(layered)}' in page


def test_manage_py_keeps_its_own_default_and_renders_bucket_urls(layered):
    result = layered.run(f'python manage.py shell -c "{probe()}"')
    assert result.returncode == 0, result.output
    module, debug, url = fields(result.stdout)
    assert (module, debug) == ("config.settings.local", "True")
    assert url.startswith(hashed_css(layered))


def test_the_settings_option_wins_and_is_wrapped(layered):
    result = layered.run(f'python manage.py shell --settings=config.settings.test -c "{probe()}"')
    assert result.returncode == 0, result.output
    module, debug, url = fields(result.stdout)
    assert (module, debug) == ("config.settings.test", "False")
    assert url.startswith(hashed_css(layered))


def test_the_config_var_wins_over_every_default(layered):
    var = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = layered.run(f'python manage.py shell -c "{probe()}"', env=var)
    assert result.returncode == 0, result.output
    assert fields(result.stdout)[:2] == ("config.settings.production", "False")
    assert fields(result.stdout)[2].startswith(hashed_css(layered))


def test_asgi_pys_default(layered):
    code = probe(before="import config.asgi; ")
    result = layered.run(f'python -c "{code}"')
    assert result.returncode == 0, result.output
    assert fields(result.stdout)[:2] == ("config.settings.production", "False")
    assert fields(result.stdout)[2].startswith(hashed_css(layered))


def wait_for_line(dyno, start: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in dyno.log().splitlines():
            if line.startswith(start):
                return line
        if dyno.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"no {start!r} line:\n{dyno.log()}")


@pytest.mark.parametrize(
    ("process_type", "module"),
    [("worker", "config.settings.production"), ("clock", "config.settings.clock")],
)
def test_worker_processes_keep_their_settings_module(layered, process_type, module):
    """``worker`` sets a default as a Celery app does; ``clock`` assigns one in the Procfile."""
    dyno = layered.start(process_type, env={"WORKER_SECONDS": "0"})
    try:
        line = wait_for_line(dyno, "worker ")
    finally:
        dyno.stop()
    _, found, debug, url = line.split()
    assert (found, debug) == (module, "False")
    assert url.startswith(hashed_css(layered))


def test_django_admin_and_a_script_in_a_subfolder_find_the_app(layered):
    """Neither puts the app's folder on sys.path: only PYTHONPATH keeps ``$HOME`` there."""
    var = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    admin = layered.run("django-admin check", env=var)
    assert admin.returncode == 0, admin.output
    assert "System check identified no issues" in admin.stdout
    job = layered.run("python scripts/job.py", env=var)
    assert job.returncode == 0, job.output
    _, module, url = job.stdout.split()
    assert module == "config.settings.production"
    assert url.startswith(hashed_css(layered))
    path = layered.run('echo "$PYTHONPATH"').stdout.strip().split(":")
    home = os.path.dirname(path[0].rsplit("/.heroku/", 1)[0] + "/")
    assert path[1] == home.rstrip("/")  # $HOME, as heroku/python's python.sh would have it
    assert path[0].endswith("/.heroku/django-s3-static/site")
    assert path[-1].endswith("/.heroku/django-s3-static/lib")


def test_an_apps_own_sitecustomize_still_runs(layered):
    with open(os.path.join(layered.build_dir, "sitecustomize.py"), "w") as handle:
        handle.write("import os\nos.environ['APP_SITECUSTOMIZE'] = 'ran'\n")
    try:
        code = probe(
            after="import os; print('sitecustomize', os.environ.get('APP_SITECUSTOMIZE')); "
        )
        result = layered.run(f'python manage.py shell -c "{code}"')
    finally:
        os.remove(os.path.join(layered.build_dir, "sitecustomize.py"))
    assert result.returncode == 0, result.output
    assert "sitecustomize ran" in result.stdout
    assert fields(result.stdout)[2].startswith(hashed_css(layered))


def test_the_explicit_line_is_not_installed_twice(layered):
    settings_file = os.path.join(layered.build_dir, "config", "settings", "production.py")
    with open(settings_file) as handle:
        original = handle.read()
    with open(settings_file, "a") as handle:
        handle.write(
            "from django_s3_static.snippet import install; install(globals())  # noqa: E702\n"
            "CACHES['staticfiles-memory']['LOCATION'] = 'set-after-install'\n"
        )
    try:
        code = "print('location', settings.CACHES['staticfiles-memory']['LOCATION']); "
        result = layered.run(
            f'python -c "{probe(after=code)}"',
            env={"DJANGO_SETTINGS_MODULE": "config.settings.production"},
        )
    finally:
        with open(settings_file, "w") as handle:
            handle.write(original)
    assert result.returncode == 0, result.output
    assert "location set-after-install" in result.stdout  # not overwritten by a second install


def test_a_settings_module_that_cannot_be_found_names_the_fix(layered):
    result = layered.run(
        "python manage.py check", env={"DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    )
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE='config.settings.prod' is not importable" in result.stderr
    assert "The build read 'config.settings.local'" in result.stderr
    assert "heroku config:set DJANGO_SETTINGS_MODULE=" in result.stderr


def test_wrapping_can_be_turned_off(layered):
    result = layered.run(
        f'python manage.py shell -c "{probe()}"', env={"DJANGO_S3_STATIC_WRAP_SETTINGS": "0"}
    )
    assert result.returncode == 0, result.output
    assert fields(result.stdout)[2] == "/static/css/layered.css"  # the app's own storage
