"""What the fingerprint covers besides the sources: this package's version and STATIC_URL.

A cache published by another version of django-s3-static, or with another STATIC_URL as
post-processing sees it, is not trusted: the build collects once and says why in one line. A full
URL (the bucket's, a CDN's) shapes no reference, so a CDN set on Heroku only keeps the fast path
of a cache published without it.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

import django_s3_static
from conftest import deploy_config
from support.checkout import command_env, example_checkout, manage

VERSION = django_s3_static.__version__
INSTALL_LINE = "\nfrom django_s3_static.snippet import install; install(globals())  # noqa: E702\n"


@pytest.fixture
def checkout(tmp_path):
    return example_checkout(tmp_path)


def publish(app, server, bucket, *args: str, version: str | None = None, **extra) -> None:
    """publish_static in the checkout; ``version``: as that release of this package would."""
    env = command_env(deploy_config(server, bucket, **{"AWS_LOCATION": "static", **extra}))
    if version:  # every Python process of the publish (the app's too) sees that version
        other = app.parent / "other-version"
        other.mkdir(exist_ok=True)
        (other / "sitecustomize.py").write_text(
            f"import django_s3_static\ndjango_s3_static.__version__ = {version!r}\n"
        )
        env["PYTHONPATH"] += os.pathsep + str(other)
    result = manage(app, env, "publish_static", *args)
    assert result.returncode == 0, result.stdout + result.stderr


def push(app, make_slug, server, bucket, **config):
    """git push of the checkout as it is, with its committed cache; the build's output."""
    slug = make_slug("example_app")
    shutil.rmtree(slug.build_dir)
    shutil.copytree(app, slug.build_dir)
    os.makedirs(os.path.join(slug.build_dir, ".heroku"))
    os.symlink(slug.python_home, os.path.join(slug.build_dir, ".heroku", "python"))
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION="static", **config))
    result = slug.compile()
    assert result.returncode == 0, result.output
    return slug, result.stdout


def collecting(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if "Collecting:" in line]


def built_with(app) -> dict:
    return json.loads((app / "static_cache" / "manifest.json").read_text())["built_with"]


def test_the_cache_records_what_it_was_built_with(checkout, s3server, bucket):
    publish(checkout, s3server, bucket)
    recorded = built_with(checkout)
    assert recorded["django-s3-static"] == VERSION
    assert recorded["STATIC_URL"] == "/static/"


def test_a_cache_of_another_version_is_collected_once_saying_so(
    checkout, s3server, bucket, make_slug
):
    publish(checkout, s3server, bucket, version="0.0.9")
    assert built_with(checkout)["django-s3-static"] == "0.0.9"
    slug, stdout = push(checkout, make_slug, s3server, bucket)
    assert collecting(stdout) == [
        f"Collecting: stale: the cache was published by django-s3-static 0.0.9, this build "
        f"runs {VERSION} (its post-processing may differ)"
    ]
    assert "Uploading: nothing, all" in stdout  # the same files: the bucket has them all
    # The cache the build wrote (what publish_static writes) is trusted by the next build.
    again = slug.compile()
    assert again.returncode == 0, again.output
    assert "Static files unchanged" in again.stdout and "Collecting" not in again.stdout


def test_a_cache_from_before_the_version_was_recorded_is_collected_saying_so(
    checkout, s3server, bucket, make_slug
):
    publish(checkout, s3server, bucket, version="0.0.9")
    cache_file = checkout / "static_cache" / "manifest.json"
    document = json.loads(cache_file.read_text())
    del document["built_with"]  # as versions that did not record it wrote it
    cache_file.write_text(json.dumps(document, indent=1))
    _, stdout = push(checkout, make_slug, s3server, bucket)
    assert collecting(stdout) == [
        f"Collecting: stale: the cache predates this version of django-s3-static ({VERSION}), "
        "which fingerprints more of what shapes the output"
    ]


def test_another_static_url_path_is_collected_saying_so(checkout, s3server, bucket, make_slug):
    publish(checkout, s3server, bucket)
    settings = checkout / "exampleapp" / "settings.py"
    settings.write_text(settings.read_text() + '\nSTATIC_URL = "assets/"\n')
    _, stdout = push(checkout, make_slug, s3server, bucket)
    assert collecting(stdout) == [
        "Collecting: stale: STATIC_URL changed from '/static/' to '/assets/' since the cache "
        "was published (post-processing rewrites the references under it)"
    ]


def test_a_cdn_set_only_on_heroku_keeps_the_fast_path(checkout, s3server, bucket, make_slug):
    """With the explicit one-line snippet, STATIC_URL is the bucket's URL where the developer
    publishes and the CDN's on Heroku: post-processing is the same under both."""
    settings = checkout / "exampleapp" / "settings.py"
    settings.write_text(settings.read_text() + INSTALL_LINE)
    # No cache yet: the snippet's system check (E002) does not stop the command that writes it.
    publish(checkout, s3server, bucket)
    # The app's own STATIC_URL: the snippet keeps it for the fingerprint when it sets the bucket's.
    assert built_with(checkout)["STATIC_URL"] == "/static/"
    _, stdout = push(
        checkout,
        make_slug,
        s3server,
        bucket,
        AWS_S3_CUSTOM_DOMAIN="cdn.example.com",
        DJANGO_S3_STATIC_WRAP_SETTINGS="0",
    )
    assert "Static files unchanged" in stdout, stdout
    assert collecting(stdout) == []
    assert "Timings: inspect (settings only)" in stdout
