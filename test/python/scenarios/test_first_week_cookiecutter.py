"""A first week with an app like a cookiecutter-django project generated for Heroku, moved in with
config vars only: settings split into base, local and production, django-storages' ``S3Storage``
for static files with the ``DJANGO_AWS_*`` config vars the settings read (no ``AWS_*`` config var),
Collectfasta in the production ``INSTALLED_APPS``, and a ``bin/post_compile`` that runs
``collectstatic`` and ``compilemessages``, which heroku/python runs before this buildpack at every
push. Its dependencies are in pyproject.toml and uv.lock, as cookiecutter-django ships them
(no requirements.txt), so the app's Python is the one heroku/python builds for uv: no pip in it,
``uv sync --locked --no-default-groups`` into its own prefix; neither the hook, nor the build,
nor the developer's publish uses pip.

The week, as the README says it: a cold push; ``publish_static`` on the developer's machine with
the local settings (``config.settings.local``, whose ``INSTALLED_APPS`` add ``django_s3_static``
and ``django_reset_app``, and lack Collectfasta and django-storages), committed; a push, on the
fast path with the settings alone; one stylesheet changed, published and committed; a push, fast
again although Collectfasta has just replaced the stylesheet's unhashed copy with one of another
form; the web dyno serving the change. No warning, no circular note, no collect after the first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

from support.dyno import http_get, page_assets
from support.heroku_python import app_python, has_pip
from support.week import Push, Week, dyno_get, fast_path_problems, warnings_in

STYLESHEET = "myproject/static/css/project.css"
HOOK_NOTE = (
    "bin/post_compile runs collectstatic (line 20: python manage.py collectstatic --noinput); "
    "heroku/python runs it before this buildpack, in every build."
)


@dataclass
class Done:
    week: Week
    cold: Push
    published: object
    fast: Push
    republished: object
    fast_again: Push
    page: tuple[int, str, dict]
    stylesheet: tuple[int, dict, str]
    web_log: str


@pytest.fixture(scope="module")
def done(tmp_path_factory, s3server) -> Done:
    bucket = s3server.bucket()
    config = {  # cookiecutter-django's config vars for Heroku, and the one this buildpack asks
        "DISABLE_COLLECTSTATIC": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "django-secret-for-tests",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_AWS_ACCESS_KEY_ID": s3server.access_key,
        "DJANGO_AWS_SECRET_ACCESS_KEY": s3server.secret_key,
        "DJANGO_AWS_STORAGE_BUCKET_NAME": bucket,
        "DJANGO_AWS_S3_ENDPOINT_URL": s3server.endpoint,
    }
    local = {  # what the developer exports to publish from their machine
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_ACCESS_KEY_ID": s3server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3server.secret_key,
        "AWS_S3_ENDPOINT_URL": s3server.endpoint,
        "AWS_LOCATION": "static",
    }
    week = Week(
        "cookiecutter_app",
        tmp_path_factory.mktemp("cookiecutter"),
        app_python("cookiecutter_app"),
        config,
        local,
        {
            "config/settings/local.py": lambda text: text.replace(
                '["django_s3_static"]', '["django_s3_static", "django_reset_app"]'
            )
        },
    ).start()
    cold = week.push()
    published = week.publish()
    week.commit_static_cache()
    fast = week.push()
    week.change(STYLESHEET, lambda text: text.replace("#b94a48", "#a12b2b"))
    republished = week.publish()
    week.commit_static_cache()
    fast_again = week.push()
    dyno = fast_again.slug.start("web")
    try:
        page = dyno_get(dyno, "/")
        css = [url for url in page_assets(page[1], dyno.url) if url.endswith(".css")]
        stylesheet = http_get(css[0]) if css else (0, {}, "")
    finally:
        dyno.stop()
    return Done(week, cold, published, fast, republished, fast_again, page, stylesheet, dyno.log())


def test_heroku_python_ran_bin_post_compile_before_each_build(done):
    for push in done.week.pushes:
        assert push.hook is not None and push.hook.returncode == 0, push.hook
        mo = os.path.join(push.slug.build_dir, "locale", "fr", "LC_MESSAGES", "django.mo")
        assert os.path.isfile(mo)  # compilemessages ran


def test_each_build_says_what_bin_post_compile_costs_and_which_line_to_drop(done):
    for push in done.week.pushes:
        out = push.build.stdout
        assert HOOK_NOTE in out
        assert "It sends the static files to S3 itself, through collectfasta" in out
        assert (
            "Delete the collectstatic line from bin/post_compile and keep its other commands "
            "(compilemessages, say)."
        ) in out


def test_the_apps_python_is_heroku_pythons_for_uv_and_nothing_uses_pip(done):
    """uv installed the locked production dependencies (not the dev group) into a prefix without
    pip, and no build, hook or publish of the week reaches for pip: the keys are set, so the
    build installs nothing with the bundled pip wheel."""
    app = done.week.app
    assert app.manager == "uv" and not has_pip(app.home)
    site = os.path.join(app.home, "lib", f"python{app.version}", "site-packages")
    assert os.path.isdir(os.path.join(site, "collectfasta"))
    assert not os.path.exists(os.path.join(site, "debug_toolbar"))
    logs = [done.published.stdout + done.published.stderr]
    logs += [done.republished.stdout + done.republished.stderr]
    logs += [push.build.output + push.hook.output for push in done.week.pushes]
    assert [log for log in logs if re.search(r"\bpip\b", log)] == []
    assert not [log for log in logs if "Installing the build helper's dependencies" in log]


def test_the_cold_push_collects_and_uploads_without_a_warning(done):
    build = done.cold.build
    assert build.returncode == 0, build.output
    assert "Collecting: no committed static cache" in build.stdout
    assert warnings_in(build.output) == []
    assert "Browsers will refuse" not in build.stdout  # a bucket without CORS, no integrity
    assert "Using the app's own django-s3-static" not in build.stdout


def test_the_build_reads_the_bucket_and_keys_from_the_settings_djangos_aws_names(done):
    """No AWS_* config var: the settings' values (from DJANGO_AWS_*) are what the build uses."""
    assert not [name for name in done.week.config if name.startswith("AWS_")]
    bucket = done.week.config["DJANGO_AWS_STORAGE_BUCKET_NAME"]
    assert f"Bucket: {bucket}, prefix static/" in done.cold.build.stdout


def test_publish_static_with_the_local_settings_prints_no_warning(done):
    for result in (done.published, done.republished):
        assert result.returncode == 0, result.stdout + result.stderr
        assert warnings_in(result.stdout + result.stderr) == []
    assert "Wrote static_cache/manifest.json" in done.republished.stdout


def test_each_push_after_the_publish_takes_the_fast_path_with_the_settings_alone(done):
    """The record names django_s3_static and django_reset_app, which production lacks, and
    lacks collectfasta and storages, which production adds: none of it matters."""
    for push in (done.fast, done.fast_again):
        assert fast_path_problems(push) == [], push.build.stdout


def test_the_unhashed_copy_collectfasta_replaced_is_stored_again_not_collected(done):
    """publish_static stored the changed css/project.css gzip-compressed; bin/post_compile's
    Collectfasta put it back as collected before the next build. Only that copy is stored
    again."""
    out = done.fast_again.build.stdout
    assert (
        "Stored again 1 unhashed copy another upload had replaced in the bucket "
        "(css/project.css), as the static cache records it"
    ) in out


def test_the_dyno_serves_the_changed_stylesheet_from_the_bucket(done):
    status, page, _headers = done.page
    assert status == 200, done.web_log
    bucket = done.week.config["DJANGO_AWS_STORAGE_BUCKET_NAME"]
    assert f"/{bucket}/static/css/project." in page
    status, headers, css = done.stylesheet
    assert status == 200
    assert "#a12b2b" in css and "#b94a48" not in css
    assert headers.get("Cache-Control") == "public, max-age=31536000, immutable"
    assert warnings_in(done.web_log) == []
