"""The whole path, for real: bin/compile on the example app, then the slug served by gunicorn.

Every static URL of the rendered pages (and every url() of their stylesheets) answers 200 from the
local S3 server with the right Content-Type; the dyno holds no S3 credentials and never loads an
S3 client; nothing secret lands in the slug. The tests that take ``anys3`` run on both local S3
servers (SeaweedFS and Ceph RGW), the others on SeaweedFS.
"""

from __future__ import annotations

import os
import re

import pytest

from conftest import delta, deploy_config
from django_s3_static.format import dyno_form
from support.dyno import check_assets
from support.fir_apps import files_holding

SECRET_MARK = "django-secret-for-tests"


def build(make_slug, s3server, bucket, python_home=None, **config):
    slug = make_slug("example_app", python_home)
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static", **config))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert result.stderr == ""
    return slug, result


def rendered_assets(slug, bucket, env=None):
    dyno = slug.start_web(env=env)
    try:
        checks = []
        for path in ("/", "/admin/login/"):
            status, body = dyno.get(path)
            assert status == 200, dyno.log()
            checks += check_assets(body, dyno.url + path)
        return checks
    finally:
        dyno.stop()


NO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
#: A `python -c` process has no manage.py or wsgi.py to choose its settings: the config var does.
SETTINGS_VAR = {"DJANGO_SETTINGS_MODULE": "exampleapp.settings"}


@pytest.mark.parametrize(
    "variant, anys3",
    [
        ("django52", "seaweedfs"),
        ("django52", "ceph"),
        ("django61-without-boto3", "seaweedfs"),
    ],
    indirect=["anys3"],
)
def test_pages_from_the_slug_load_every_asset_from_the_bucket(
    variant, make_slug, anys3, bucket, request
):
    home = request.getfixturevalue("django61_python_home") if "61" in variant else None
    slug, result = build(make_slug, anys3, bucket, home)
    if home:  # explicit keys: the signed requests need the standard library alone
        assert "Installing the build helper's dependencies" not in result.stdout
        assert "boto3" not in result.stdout
        installed = os.listdir(os.path.join(slug.cache_dir, "django-s3-static"))
        # the slug's compiled files and the names the build's collect made: no package
        assert sorted(installed) == ["bytecode", "names-memo.json"]
    checks = rendered_assets(slug, bucket, env=NO_CREDENTIALS)
    prefix = f"{anys3.endpoint}/{bucket}/static/"
    assert len(checks) >= 20  # the example page and the admin login page, with their CSS url()s
    for check in checks:
        assert check.url.startswith(prefix), check.url
        assert check.status == 200, check.url
    types = {os.path.splitext(c.url)[1]: c.content_type for c in checks}
    assert types[".css"] == "text/css; charset=utf-8"
    assert types[".js"] == "text/javascript; charset=utf-8"
    assert types[".png"] == "image/png"
    assert types[".ttf"] == "font/ttf"
    assert types[".svg"] == "image/svg+xml"
    hashed_site_css = [c.url for c in checks if "/css/site." in c.url]
    assert len(hashed_site_css) == 1 and hashed_site_css[0].count(".") >= 2


def test_a_second_build_of_the_same_sources_takes_the_fast_path(make_slug, anys3, bucket):
    """The first build leaves its static cache in the slug's sources, as a committed one: the next
    build lists the bucket, finds every object with its size and MD5 (the ETag), and skips
    collectstatic, uploading nothing."""
    slug, first = build(make_slug, anys3, bucket)
    assert "Collecting: no committed static cache" in first.stdout
    assert re.search(r"Uploaded \d+ objects", first.stdout)
    before = anys3.request_counts(bucket)
    again = slug.compile()
    assert again.returncode == 0, again.output
    assert "Static files unchanged" in again.stdout
    assert "Collecting" not in again.stdout and "Upload" not in again.stdout
    # The one PUT: this release's record, for prune_static (every build is a release, and the
    # last build to finish is the one released, so each records as it ends).
    assert "Recorded this release as static/.manifests/" in again.stdout
    assert delta(before, anys3.request_counts(bucket)) == {"LIST": 1, "PUT": 1}


def test_the_bucket_holds_every_object_of_the_cache_with_immutable_caching(
    make_slug, s3server, bucket
):
    import json

    slug, _ = build(make_slug, s3server, bucket)
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        cache = json.load(handle)
    client = s3server.client()
    listed = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="static/"):
        listed.update({o["Key"]: o for o in page.get("Contents", [])})
    for name, entry in cache["objects"].items():
        remote = listed[f"static/{name}"]
        assert remote["Size"] == entry["size"]
        assert remote["ETag"].strip('"') == entry["md5"]
    hashed = cache["paths"]["css/site.css"]
    head = client.head_object(Bucket=bucket, Key=f"static/{hashed}")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert client.head_object(Bucket=bucket, Key="static/css/site.css")["CacheControl"] == (
        "public, max-age=300"
    )


def test_the_dyno_makes_no_s3_call_at_import_boot_or_render(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    probe = (
        'python -c "import sys, django; django.setup(); '
        "from django.test import Client; from django.conf import settings; "
        "response = Client().get('/admin/login/'); "
        "print(response.status_code, settings.STORAGES['staticfiles']['BACKEND']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\""
    )
    result = slug.run(
        probe,
        env={**NO_CREDENTIALS, **SETTINGS_VAR, "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9"},
    )
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines() == [
        "200 django_s3_static.storage.S3ManifestStorage",
        "[]",
    ]


def test_static_urls_follow_a_custom_domain_set_after_the_build(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    render = (
        'python -c "import django; django.setup(); from django.templatetags.static import '
        "static; print(static('css/site.css'))\""
    )
    result = slug.run(render, env={**SETTINGS_VAR, "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"})
    assert result.returncode == 0, result.output
    assert result.stdout.startswith("https://cdn.example.com/static/css/site.")


def test_explicit_one_line_alternative(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    settings_file = os.path.join(slug.build_dir, "exampleapp", "settings.py")
    with open(settings_file, "a") as handle:
        handle.write("\nfrom django_s3_static.snippet import install; install(globals())\n")
    render = (
        'python -c "import os, django; django.setup(); from django.templatetags.static import '
        "static; print(os.environ['DJANGO_SETTINGS_MODULE'], static('css/site.css'))\""
    )
    result = slug.run(
        render,
        env={
            "DJANGO_S3_STATIC_WRAP_SETTINGS": "0",
            "DJANGO_SETTINGS_MODULE": "exampleapp.settings",
        },
    )
    assert result.returncode == 0, result.output
    module, url = result.stdout.split()
    assert module == "exampleapp.settings"
    assert url.startswith(f"{s3server.endpoint}/{bucket}/static/css/site.")


def test_system_check_reports_a_missing_cache_instead_of_a_broken_page(make_slug, s3server, bucket):
    slug, _ = build(make_slug, s3server, bucket)
    os.remove(os.path.join(slug.build_dir, "static_cache", "manifest.json"))
    result = slug.run("python manage.py check --deploy")
    assert result.returncode != 0
    assert "django_s3_static.E002" in result.output
    assert "no committed static cache" in result.output


def test_no_secret_or_config_var_lands_in_the_slug(make_slug, s3server, bucket):
    slug, result = build(make_slug, s3server, bucket, DJANGO_S3_STATIC_DEBUG="1")
    assert s3server.secret_key not in result.output
    assert SECRET_MARK not in result.output
    assert files_holding(slug.build_dir, [s3server.secret_key, SECRET_MARK]) == []


def test_a_failed_upload_leaves_no_slug_pointing_at_missing_objects(make_slug, s3server):
    slug = make_slug("example_app")
    env = s3server.env
    slug.set_config(
        **deploy_config(
            s3server,
            s3server.bucket(),
            AWS_ACCESS_KEY_ID=env["DSS_TEST_S3_READ_ACCESS_KEY"],
            AWS_SECRET_ACCESS_KEY=env["DSS_TEST_S3_READ_SECRET_KEY"],
        )
    )
    result = slug.compile()
    assert result.returncode == 1
    # The first PUT is refused: at once (the rest are not sent) or, on a slow machine, after
    # the others started (each is refused too).
    assert "were not sent" in result.stdout or "uploads failed" in result.stdout
    assert "s3:PutObject" in result.stdout
    assert "Nothing was released" in result.stdout
    assert not os.path.exists(os.path.join(slug.build_dir, "static_cache", "manifest.json"))
    assert not os.path.exists(os.path.join(slug.build_dir, "static_cache", dyno_form.NAMES_FILE))
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))


def test_names_resolve_through_the_chained_cache_and_the_apps_caches_are_kept(
    make_slug, s3server, bucket
):
    slug, _ = build(make_slug, s3server, bucket)
    probe = (
        'python -c "import django; django.setup(); from django.conf import settings; '
        "from django.core.cache import caches; "
        "from django.templatetags.static import static; "
        "from django_s3_static.runtime.slug_level import table; "
        "print(sorted(settings.CACHES)); "
        "print(caches['staticfiles-memory'].get('css/site.css')); "
        "url = static('css/site.css'); "
        "print(caches['staticfiles-memory'].get('css/site.css') == url.rsplit('/static/')[1]); "
        "print(type(caches['staticfiles']).__name__); "
        "print(type(table(settings.CACHES['staticfiles-slug']['LOCATION']).names).__name__)\""
    )
    result = slug.run(probe, env=SETTINGS_VAR)
    assert result.returncode == 0, result.output
    aliases, before, after, chain, names = result.stdout.splitlines()
    assert aliases == "['default', 'staticfiles', 'staticfiles-memory', 'staticfiles-slug']"
    assert before == "None"  # nothing is loaded before the first lookup: no work at boot
    assert after == "True"  # the first lookup filled process memory from the slug's cache
    assert chain == "ChainedCache"
    # ... from the dyno's form the build wrote beside the static cache, of that static cache.
    assert names == "Written"
    assert dyno_form.belongs(os.path.join(slug.build_dir, "static_cache", "manifest.json")) is None


def test_system_check_reports_a_missing_bucket_and_a_missing_cache_chain(
    make_slug, s3server, bucket
):
    slug, _ = build(make_slug, s3server, bucket)
    no_bucket = slug.run("python manage.py check --deploy", env={"AWS_STORAGE_BUCKET_NAME": ""})
    assert no_bucket.returncode != 0
    assert "django_s3_static.E001" in no_bucket.output
    assert "AWS_STORAGE_BUCKET_NAME is not set" in no_bucket.output

    settings_file = os.path.join(slug.build_dir, "exampleapp", "settings.py")
    with open(settings_file, "a") as handle:  # the storage alone, without install(globals())
        handle.write(
            "\nSTORAGES = {'staticfiles': "
            "{'BACKEND': 'django_s3_static.storage.S3ManifestStorage'}}\n"
            "INSTALLED_APPS.append('django_s3_static')\n"
        )
    no_chain = slug.run(
        "python manage.py check",
        env={
            "DJANGO_S3_STATIC_WRAP_SETTINGS": "0",
            "DJANGO_SETTINGS_MODULE": "exampleapp.settings",
        },
    )
    assert no_chain.returncode != 0
    assert "django_s3_static.E003" in no_chain.output
    assert "install(globals())" in no_chain.output


def test_without_explicit_keys_the_build_installs_boto3_for_its_credential_chain(
    make_slug, s3server, bucket, django61_python_home, tmp_path, monkeypatch
):
    """No AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY config vars and an app without boto3: the build
    installs boto3, says why, and its chain finds the keys (here ~/.aws/credentials)."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {s3server.access_key}\n"
        f"aws_secret_access_key = {s3server.secret_key}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    slug = make_slug("example_app", django61_python_home)
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static", **NO_CREDENTIALS))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert (
        "Installing the build helper's dependencies (boto3, for its credential chain: "
        "no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set)" in result.stdout
    )
    assert re.search(r"Uploaded \d+ objects", result.stdout)  # with the keys boto3 found
