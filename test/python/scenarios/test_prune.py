"""Recorded publishes and prune_static: old objects go, the newest N releases keep working.

The pruning itself runs on both local S3 servers (SeaweedFS and Ceph RGW): it deletes with
DeleteObjects, which S3 takes only with a Content-MD5 (or checksum) header."""

from __future__ import annotations

import base64
import os

from conftest import deploy_config
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support import ceph_server
from support.dyno import ROOT, check_assets
from support.s3server import public_get

MD5 = "0" * 32


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def deploy(make_slug, server, bucket, version: int):
    slug = make_slug("example_app")
    css = os.path.join(slug.build_dir, "exampleapp", "static", "css", "base.css")
    with open(css, "a") as handle:
        handle.write(f"\n.version-{version} {{ color: #{version}{version}{version}; }}\n")
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION="static"))
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


def test_three_releases_pruned_to_two(make_slug, anys3, bucket):
    client = anys3.client()
    client.put_object(Bucket=bucket, Key="media/upload.jpg", Body=b"user data")
    slugs = [deploy(make_slug, anys3, bucket, version) for version in (1, 2, 3)]
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
    # Gone from the owner's listing: an anonymous GET of a missing key is 404 on SeaweedFS but
    # 403 on RGW (as on AWS) when the policy grants s3:GetObject without s3:ListBucket.
    listed = {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    for name in objects[0]:
        assert (f"static/{name}" in listed) == (name not in unique), name
        if name not in unique:
            assert public_get(f"{anys3.endpoint}/{bucket}/static/{name}")[0] == 200, name
    if anys3.name == "ceph":
        assert_deletes_carried_content_md5(anys3, bucket, {f"static/{name}" for name in unique})
    # Nothing outside the prefix was touched.
    assert client.get_object(Bucket=bucket, Key="media/upload.jpg")["Body"].read() == b"user data"


def assert_deletes_carried_content_md5(server, bucket: str, objects: set[str]) -> None:
    """Neither local server checks a DeleteObjects body against its Content-MD5 (AWS refuses a
    DeleteObjects without one): RGW's ops log shows the header was sent, and what was deleted."""
    deletes = [
        entry
        for entry in ceph_server.ops(server.env["DSS_TEST_S3_OPS_LOG"])
        if entry.get("bucket") == bucket and entry.get("operation") == "multi_object_delete"
    ]
    assert deletes
    deleted = []
    for entry in deletes:
        headers = {k: v for pair in entry.get("http_x_headers", []) for k, v in pair.items()}
        assert len(base64.b64decode(headers["HTTP_CONTENT_MD5"], validate=True)) == 16, entry
        deleted += [item["key"] for item in entry["op_data"]["objects"] if not item["error"]]
    records = [key for key in deleted if key.startswith("static/.manifests/")]
    assert len(records) == 1 and set(deleted) - set(records) == objects, deleted


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
