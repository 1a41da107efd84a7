"""A first week with an app like Heroku's Django getting-started app, moved in with config vars
only: WhiteNoise's middleware and storage left as they are, ``SECURE_SSL_REDIRECT`` and
PostgreSQL over TLS (dj-database-url, ``ssl_require``) on the dyno, a bucket as users create it
(no CORS rule; the app has no web fonts and renders no integrity). Its dependencies are in
requirements.txt, as in the getting-started app, so the app's Python is the one heroku/python
builds for pip (pip in its prefix, ``pip install -r requirements.txt``); the developer publishes
from a virtualenv with those and boto3, as the README asks (this test's own).

The week, as the README says it: a cold push; ``publish_static`` on the developer's machine with
``"django_s3_static"`` added to ``INSTALLED_APPS`` there only, and the static cache committed; a
push, which must take the fast path with the settings alone; one stylesheet changed, published
and committed; a push, fast again; the web dyno serving the change. No build or publish prints a
warning, none asks for what was just done, and none after the first collects.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from conftest import deploy_config
from support.dyno import http_get, page_assets
from support.heroku_python import app_python
from support.week import Push, Week, dyno_get, fast_path_problems, warnings_in

SETTINGS = "gettingstarted/settings.py"
STYLESHEET = "hello/static/hello/site.css"
#: The README's local line, never committed: the deployed settings do not have it.
LOCAL_LINE = '\nINSTALLED_APPS += ["django_s3_static"]\n'


@dataclass
class Done:
    week: Week
    cold: Push
    published: object
    fast: Push
    republished: object
    fast_again: Push
    page: tuple[int, str, dict]
    http_page: tuple[int, str, dict]
    stylesheet: tuple[int, dict, str]
    web_log: str


@pytest.fixture(scope="module")
def done(tmp_path_factory, s3server) -> Done:
    bucket = s3server.bucket()
    config = deploy_config(
        s3server, bucket, DATABASE_URL="postgres://app:not-secret@127.0.0.1:9/app"
    )
    local = {k: v for k, v in config.items() if k.startswith("AWS_")}
    week = Week(
        "getting_started_app",
        tmp_path_factory.mktemp("getting-started"),
        app_python("getting_started_app"),
        config,
        local,
        {SETTINGS: lambda text: text + LOCAL_LINE},
        developer_python=sys.executable,  # a virtualenv with requirements.txt and boto3
    ).start()
    cold = week.push()
    published = week.publish()
    week.commit_static_cache()
    fast = week.push()
    week.change(STYLESHEET, lambda text: text.replace("#79589f", "#0f7a5c"))
    republished = week.publish()
    week.commit_static_cache()
    fast_again = week.push()
    dyno = fast_again.slug.start("web")
    try:
        page = dyno_get(dyno, "/")
        http_page = dyno_get(dyno, "/", https=False)
        css = [url for url in page_assets(page[1], dyno.url) if url.endswith(".css")]
        stylesheet = http_get(css[0]) if css else (0, {}, "")
    finally:
        dyno.stop()
    return Done(
        week,
        cold,
        published,
        fast,
        republished,
        fast_again,
        page,
        http_page,
        stylesheet,
        dyno.log(),
    )


def test_the_cold_push_collects_and_uploads_without_a_warning(done):
    build = done.cold.build
    assert build.returncode == 0, build.output
    assert "Collecting: no committed static cache" in build.stdout
    assert "Installing the build helper's dependencies" not in build.stdout  # keys set: none
    assert warnings_in(build.output) == []
    # No CORS rule on the bucket, and nothing that needs one: no fonts, no integrity tags.
    assert "Browsers will refuse" not in build.stdout and "CORS" not in build.stdout
    assert "Using the app's own django-s3-static" not in build.stdout


def test_publish_static_on_the_developers_machine_prints_no_warning(done):
    for result in (done.published, done.republished):
        assert result.returncode == 0, result.stdout + result.stderr
        assert warnings_in(result.stdout + result.stderr) == []
    assert "Wrote static_cache/manifest.json" in done.published.stdout
    assert "Uploading 2 objects" in done.republished.stdout  # hashed and unhashed site.css


def test_each_push_after_the_publish_takes_the_fast_path_with_the_settings_alone(done):
    """The local INSTALLED_APPS line is in the finders record, not in the deployed settings."""
    assert done.week.local_edits  # the record was written with the local line
    for push in (done.fast, done.fast_again):
        assert fast_path_problems(push) == [], push.build.stdout
        assert "nothing uploaded" in push.build.stdout


def test_the_dyno_serves_the_changed_stylesheet_from_the_bucket(done):
    status, page, _headers = done.page
    assert status == 200, done.web_log
    bucket_url = (
        f"{done.week.config['AWS_S3_ENDPOINT_URL']}/{done.week.config['AWS_STORAGE_BUCKET_NAME']}/"
    )
    status, headers, css = done.stylesheet
    assert status == 200
    assert bucket_url in page and "hello/site." in page
    assert "#0f7a5c" in css and "#79589f" not in css
    assert headers.get("Cache-Control") == "public, max-age=31536000, immutable"


def test_the_dyno_redirects_plain_http_and_logs_no_warning(done):
    """SECURE_SSL_REDIRECT on the dyno (a request that did not come through TLS), and WhiteNoise
    left in MIDDLEWARE without STATIC_ROOT: no warning."""
    status, _body, headers = done.http_page
    assert status == 301 and headers["Location"].startswith("https://")
    assert "Booting worker" in done.web_log
    assert warnings_in(done.web_log) == []
