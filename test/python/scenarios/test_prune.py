"""Recorded publishes and prune_static: old objects go, the newest N releases keep working."""

from __future__ import annotations

import os

from conftest import deploy_config
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support.dyno import ROOT, check_assets
from support.s3server import public_get

MD5 = "0" * 32


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def deploy(make_slug, s3server, bucket, version: int):
    slug = make_slug("example_app")
    css = os.path.join(slug.build_dir, "exampleapp", "static", "css", "base.css")
    with open(css, "a") as handle:
        handle.write(f"\n.version-{version} {{ color: #{version}{version}{version}; }}\n")
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static"))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "Recorded this publish as static/.manifests/" in result.stdout
    return slug


def load(slug) -> StaticCache:
    return static_cache.load(os.path.join(slug.build_dir, "static_cache", "manifest.json"))


def prune(slug, *args: str, env: dict[str, str] | None = None):
    """prune_static where the whole package is installed (a developer's machine, CI): the slug
    itself carries only the runtime, not the management commands."""
    return slug.run(
        "python manage.py prune_static " + " ".join(args),
        env={"PYTHONPATH": os.path.join(ROOT, "lib"), **(env or {})},
    )


def rendered(slug):
    dyno = slug.start_web()
    try:
        status, page = dyno.get("/")
        assert status == 200
        return check_assets(page, dyno.url + "/")
    finally:
        dyno.stop()


def test_three_releases_pruned_to_two(make_slug, s3server, bucket):
    client = s3server.client()
    client.put_object(Bucket=bucket, Key="media/upload.jpg", Body=b"user data")
    slugs = [deploy(make_slug, s3server, bucket, version) for version in (1, 2, 3)]
    oldest_css = [c.url for c in rendered(slugs[0]) if "/css/base." in c.url][0]

    dry = prune(slugs[2], "--keep 2 --min-age 0 --dry-run")
    assert dry.returncode == 0, dry.output
    # base.<v1>.css and site.<v1>.css (whose url() and @import name base.<v1>.css)
    assert "Would delete 2 objects and 1 old records" in dry.stdout
    assert all(c.status == 200 for c in rendered(slugs[0]))  # a dry run deleted nothing

    pruned = prune(slugs[2], "--keep 2 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert f"delete  static/{oldest_css.split('/static/')[1]}" in pruned.stdout
    assert "Deleted 3 objects" in pruned.stdout

    for slug in slugs[1:]:  # the two newest releases render completely
        checks = rendered(slug)
        assert checks and all(c.status == 200 for c in checks), [
            (c.url, c.status) for c in checks if c.status != 200
        ]
    # The oldest release's own objects are gone; everything it shares with the others is not.
    objects = [set(load(slug).objects) for slug in slugs]
    unique = objects[0] - objects[1] - objects[2]
    assert sorted(name.split(".")[0] for name in unique) == ["css/base", "css/site"]
    for name in objects[0]:
        status = public_get(f"{s3server.endpoint}/{bucket}/static/{name}")[0]
        assert status == (404 if name in unique else 200), name
    # Nothing outside the prefix was touched.
    assert client.get_object(Bucket=bucket, Key="media/upload.jpg")["Body"].read() == b"user data"


def test_prune_refuses_a_bucket_root_and_a_bucket_without_records(make_slug, s3server, bucket):
    slug = deploy(make_slug, s3server, bucket, 1)
    root = prune(slug, "--keep 1", env={"AWS_LOCATION": ""})
    assert root.returncode == 1
    assert "AWS_LOCATION is empty" in root.stderr
    other = s3server.bucket()
    none = prune(
        slug,
        "--keep 1 --whole-bucket",
        env={"AWS_LOCATION": "", "AWS_STORAGE_BUCKET_NAME": other},
    )
    assert none.returncode == 1
    assert "nothing was deleted" in none.stderr
    zero = prune(slug, "--keep 0")
    assert zero.returncode == 1
    assert "--keep must be at least 1" in zero.stderr
