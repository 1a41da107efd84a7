"""Pipeline promotion, rollbacks and bucket changes, as Heroku runs them.

``heroku pipelines:promote`` releases the staging app's slug on the production app with
production's config vars, and runs production's release phase first; a failing release command
stops the release (https://devcenter.heroku.com/articles/pipelines,
https://devcenter.heroku.com/articles/release-phase). Here a slug is built by the staging app into
bucket A, promoted (``Slug.promoted``: the same slug, other config vars, nothing rebuilt) to a
production app whose bucket B has its own credentials, which may write B and nothing else; the
release phase runs ``promote_static``; then the pages are loaded in a browser.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from conftest import deploy_config
from support.browser import BrowserMissing, Chromium
from support.dyno import check_assets
from support.faultproxy import FaultProxy
from support.heroku_apps import check_promoted
from support.s3server import (
    OTHER_APP_ACCESS_KEY,
    OTHER_APP_BUCKET,
    OTHER_APP_SECRET_KEY,
    allow_any_origin,
    make_bucket,
    stored_objects,
)

PREFIX = "static"
RELEASE = "release: python manage.py promote_static\n"
NO_KEYS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}


def staging_slug(make_slug, server, procfile_release: bool = True):
    """The staging app's slug: built and published to its own bucket A."""
    slug = make_slug()
    if procfile_release:
        with open(os.path.join(slug.build_dir, "Procfile"), "a") as handle:
            handle.write(RELEASE)
    bucket = server.bucket()
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION=PREFIX))
    result = slug.compile()
    assert result.returncode == 0, result.output
    released = slug.release_phase() if procfile_release else None
    assert released is None or released.returncode == 0, released.output
    return slug, bucket


def manifest(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def production_bucket(server) -> str:
    """Bucket B, which the production app's own keys may use (and no other), set up as
    Installing says for an app with web fonts: the public-read policy and the fonts' CORS rule
    (a new bucket has none)."""
    make_bucket(server.client(), OTHER_APP_BUCKET, public=True)
    allow_any_origin(server.client(), OTHER_APP_BUCKET)
    return OTHER_APP_BUCKET


def production_config(server, bucket: str, **extra: str) -> dict[str, str]:
    return deploy_config(
        server,
        bucket,
        AWS_LOCATION=PREFIX,
        AWS_ACCESS_KEY_ID=OTHER_APP_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=OTHER_APP_SECRET_KEY,
        **extra,
    )


def page_assets(slug) -> list:
    dyno = slug.start_web(env=NO_KEYS)
    try:
        status, page = dyno.get("/")
        assert status == 200, page
        return check_assets(page, dyno.url + "/")
    finally:
        dyno.stop()


def test_promoted_slug_serves_every_asset_from_the_production_bucket(make_slug, s3server, tmp_path):
    staging, bucket_a = staging_slug(make_slug, s3server)
    bucket_b = production_bucket(s3server)
    production = staging.promoted(
        str(tmp_path / "production"), production_config(s3server, bucket_b)
    )

    released = production.release_phase()
    assert released.returncode == 0, released.output
    objects = manifest(staging)["objects"]
    check_promoted(released.stdout, manifest(staging), bucket_a, bucket_b, s3server.client())

    prefix_b = f"{s3server.endpoint}/{bucket_b}/{PREFIX}/"
    try:
        with Chromium() as chromium:
            dyno = production.start_web(env=NO_KEYS)
            try:
                visit = chromium.visit(dyno.url + "/", fonts=("Example Mono",))
            finally:
                dyno.stop()
    except BrowserMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    detail = visit.summary()
    assert visit.status == 200 and visit.failed == [], detail
    assets = visit.requests[1:]
    assert {"stylesheet", "script", "image", "font"} <= {a.resource_type for a in assets}, detail
    for fetched in assets:
        assert fetched.url.startswith(prefix_b), f"not from bucket B: {fetched.url}\n{detail}"
        assert fetched.status == 200, detail
    assert visit.font_faces.get("Example Mono") == "loaded", detail

    again = production.release_phase()  # a config change or restart: one listing, no copy
    assert again.returncode == 0, again.output
    assert f"All {len(objects)} objects of this slug are in s3://{bucket_b}/static/" in again.stdout


def test_promotion_to_another_service_copies_through_public_urls(
    make_slug, s3server, cephserver, tmp_path
):
    """Staging on SeaweedFS, production on Ceph RGW: no server-side copy between them."""
    staging, bucket_a = staging_slug(make_slug, s3server)
    bucket_b = cephserver.bucket()
    production = staging.promoted(
        str(tmp_path / "production"), deploy_config(cephserver, bucket_b, AWS_LOCATION=PREFIX)
    )
    released = production.release_phase()
    assert released.returncode == 0, released.output
    assert "by download and upload" in released.stdout
    checks = page_assets(production)
    assert checks and all(c.status == 200 for c in checks), checks
    assert all(c.url.startswith(f"{cephserver.endpoint}/{bucket_b}/{PREFIX}/") for c in checks)


def test_without_promote_static_pages_keep_linking_where_the_objects_are(
    make_slug, s3server, tmp_path
):
    staging, bucket_a = staging_slug(make_slug, s3server, procfile_release=False)
    bucket_b = s3server.bucket()
    production = staging.promoted(
        str(tmp_path / "production"), deploy_config(s3server, bucket_b, AWS_LOCATION=PREFIX)
    )
    checks = page_assets(production)
    assert checks and all(c.status == 200 for c in checks), checks
    assert all(c.url.startswith(f"{s3server.endpoint}/{bucket_a}/{PREFIX}/") for c in checks)
    check = production.run("python manage.py check")
    assert check.returncode == 0, check.output  # a warning: the pages work
    assert "django_s3_static.W001" in check.output
    assert f"published to s3://{bucket_a}/static/" in check.output
    assert "release: python manage.py promote_static" in check.output


def test_an_interrupted_promotion_fails_the_release_and_a_rerun_completes(
    make_slug, s3server, tmp_path
):
    staging, _ = staging_slug(make_slug, s3server)
    bucket_b = s3server.bucket()
    objects = manifest(staging)["objects"]
    with FaultProxy(s3server.endpoint) as proxy:
        production = staging.promoted(
            str(tmp_path / "production"),
            deploy_config(
                s3server,
                bucket_b,
                AWS_LOCATION=PREFIX,
                AWS_S3_ENDPOINT_URL=proxy.url,
                DJANGO_S3_STATIC_MAX_ATTEMPTS="1",
            ),
        )
        proxy.go_down(after_puts=3)
        failed = production.release_phase()
        assert failed.returncode != 0
        assert "promote_static:" in failed.stderr
        assert "Cannot reach" in failed.stderr
        assert "heroku releases:retry" in failed.stderr
        copied_before = len(stored_objects(s3server.client(), bucket_b))
        assert 0 < copied_before < len(objects)
        proxy.come_up()
        proxy.reset_counters()
        done = production.release_phase()
        assert done.returncode == 0, done.output
        puts = proxy.count("PUT")
    # The rest, the stored cache and the record: what the first try copied is not copied again.
    assert puts == len(objects) - copied_before + 2
    assert len(stored_objects(s3server.client(), bucket_b)) == len(objects) + 2


def test_a_promotion_without_keys_for_the_target_fails_the_release(make_slug, s3server, tmp_path):
    staging, _ = staging_slug(make_slug, s3server)
    elsewhere = s3server.bucket()  # not the one the production keys may write
    production = staging.promoted(
        str(tmp_path / "production"), production_config(s3server, elsewhere)
    )
    released = production.release_phase()
    assert released.returncode != 0
    assert "promote_static:" in released.stderr
    assert f"bucket '{elsewhere}'" in released.stderr
    assert OTHER_APP_SECRET_KEY not in released.output
    assert stored_objects(s3server.client(), elsewhere) == {}

    no_keys = production.release_phase(
        env={**NO_KEYS, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/x"}
    )
    assert no_keys.returncode != 0
    assert "No S3 credentials" in no_keys.stderr
    assert "heroku config:set AWS_ACCESS_KEY_ID=" in no_keys.stderr


def test_a_rollback_to_a_slug_whose_objects_were_deleted_fails_the_release(
    make_slug, s3server, tmp_path
):
    staging, bucket_a = staging_slug(make_slug, s3server)
    client = s3server.client()
    gone = sorted(k for k in stored_objects(client, bucket_a) if "/css/" in k)
    client.delete_objects(Bucket=bucket_a, Delete={"Objects": [{"Key": k} for k in gone]})
    released = staging.release_phase()
    assert released.returncode != 0
    assert f"{len(gone)} of the" in released.stderr
    assert "where its build published them" in released.stderr
    assert "git push heroku" in released.stderr


def test_a_slug_without_its_static_cache_is_not_released(make_slug, s3server):
    staging, _ = staging_slug(make_slug, s3server)
    os.remove(os.path.join(staging.build_dir, "static_cache", "manifest.json"))
    released = staging.release_phase()
    assert released.returncode != 0
    assert "static cache" in released.stderr
    assert "no committed static cache" in released.stderr
    assert "nothing was released" in released.stderr


def test_the_build_says_the_release_phase_promotes(make_slug, s3server):
    slug = make_slug()
    with open(os.path.join(slug.build_dir, "Procfile"), "a") as handle:
        handle.write("release: ./bin/release-tasks.sh\n")
    os.makedirs(os.path.join(slug.build_dir, "bin"))
    with open(os.path.join(slug.build_dir, "bin", "release-tasks.sh"), "w") as handle:
        handle.write("#!/bin/sh\nset -e\npython manage.py promote_static\n")
    slug.set_config(**deploy_config(s3server, s3server.bucket(), AWS_LOCATION=uuid.uuid4().hex))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "The release phase runs promote_static" in result.stdout
    with open(os.path.join(slug.build_dir, ".profile.d", "django-s3-static.sh")) as handle:
        assert "DJANGO_S3_STATIC_RELEASE_PROMOTES=1" in handle.read()


def test_settings_that_depend_on_the_dyno_never_link_to_missing_objects(make_slug, s3server):
    """``DYNO`` is set on dynos, not during the build: settings that branch on it name another
    place on the web dyno than the one the build published to."""
    slug = make_slug()
    with open(os.path.join(slug.build_dir, "exampleapp", "settings.py"), "a") as handle:
        handle.write(
            "\nAWS_LOCATION = 'static-web' if os.environ.get('DYNO', '').startswith('web') "
            "else 'static'\n"
        )
    bucket = s3server.bucket()
    slug.set_config(**deploy_config(s3server, bucket))
    result = slug.compile()
    assert result.returncode == 0, result.output
    checks = page_assets(slug)  # the web dyno: its settings say static-web/
    assert checks and all(c.status == 200 for c in checks), checks
    assert all(c.url.startswith(f"{s3server.endpoint}/{bucket}/static/") for c in checks)
    check = slug.run("python manage.py check", dyno="web.2")
    assert "django_s3_static.W001" in check.output
    assert "the settings name s3://" in check.output and "/static-web/" in check.output
