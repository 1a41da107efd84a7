"""Recorded releases and prune_static: old objects go, the newest N releases keep working.

The pruning itself runs on both local S3 servers (SeaweedFS and Ceph RGW): it deletes with
DeleteObjects, which S3 takes only with a Content-MD5 (or checksum) header. Builds that record a
release while prune runs are lined up with the fault proxy, which holds prune's requests of one
kind while a real build runs against the server."""

from __future__ import annotations

import base64
import concurrent.futures
import os
import time

import pytest

from conftest import deploy_config
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from support import ceph_server
from support.dyno import ROOT, check_assets
from support.faultproxy import FaultProxy
from support.s3server import public_get

MD5 = "0" * 32


def cache(*names: str) -> StaticCache:
    return StaticCache("sha256:x", "b", "p", {}, {n: StaticObject(1, MD5) for n in names})


def deploy(make_slug, server, bucket, version: int, **config: str):
    """One build of the app (of ``HEROKU_APP_NAME``, "shop" unless given): each test slug has a
    build cache of its own, where an app without a name keeps its id, so the name is what makes
    the slugs one app."""
    config = {"HEROKU_APP_NAME": "shop", **config}
    slug = make_slug("example_app")
    css = os.path.join(slug.build_dir, "exampleapp", "static", "css", "base.css")
    with open(css, "a") as handle:
        handle.write(f"\n.version-{version} {{ color: #{version}{version}{version}; }}\n")
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION="static", **config))
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert "Recorded this release as static/.manifests/" in result.stdout
    return slug


def rebuild(slug):
    """An earlier state built again (a revert): a release of its own, whose record is the same
    cache as before. (Not the fast path here: the unhashed css/base.css, which every version
    rewrites, is uploaded again.)"""
    result = slug.compile()
    assert result.returncode == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "Recorded this release as" in x)
    return line.split(" as ", 1)[1].split()[0]


def load(slug) -> StaticCache:
    return static_cache.load(os.path.join(slug.build_dir, "static_cache", "manifest.json"))


def prune(slug, *args: str, env: dict[str, str] | None = None):
    """prune_static where the whole package is installed (a developer's machine, CI): the slug
    itself carries only the runtime, not the management commands."""
    developer = {
        "PATH": f"{os.path.join(slug.python_home, 'bin')}:/usr/bin:/bin",  # the project's venv
        "PYTHONPATH": os.path.join(ROOT, "lib"),
    }
    return slug.local(
        "python manage.py prune_static " + " ".join(args), env={**developer, **(env or {})}
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
    assert "Would delete 2 objects and 1 old records (and 1 stored caches only they used)" in (
        dry.stdout
    )
    assert all(c.status == 200 for c in rendered(slugs[0]))  # a dry run deleted nothing

    pruned = prune(slugs[2], "--keep 2 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert f"delete  static/{oldest_css.split('/static/')[1]}" in pruned.stdout
    assert "Deleted 4 objects" in pruned.stdout  # and the oldest release's record and cache

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
    caches = [key for key in records if key.startswith("static/.manifests/caches/")]
    assert len(records) == 2 and len(caches) == 1, deleted  # a record, and its stored cache
    assert set(deleted) - set(records) == objects, deleted


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


def assert_renders(slug):
    checks = rendered(slug)
    assert checks and all(c.status == 200 for c in checks), [
        (c.url, c.status) for c in checks if c.status != 200
    ]


def own_objects(slugs, index: int) -> set[str]:
    """The objects only the release ``index`` uses (base.css and site.css of its version)."""
    objects = [set(load(slug).objects) for slug in slugs]
    return objects[index].difference(*(o for i, o in enumerate(objects) if i != index))


def listed(server, bucket) -> set[str]:
    return {o["Key"] for o in server.client().list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_a_revert_is_a_new_release_and_keeps_its_objects(make_slug, anys3, bucket, monkeypatch):
    """Building an earlier state again records a release of its own (the fast path included),
    so --keep counts it among the newest, and young records keep everything they use."""
    monkeypatch.setenv("SOURCE_VERSION", "0123456789abcdef0123")
    slugs = [deploy(make_slug, anys3, bucket, version) for version in (1, 2, 3)]
    second_only = own_objects(slugs, 1)
    record = rebuild(slugs[0])
    assert record.startswith("static/.manifests/") and "-0123456789ab-" in record
    assert record.endswith("-shop.json")  # the app, from its HEROKU_APP_NAME

    young = prune(slugs[2], "--keep 1")  # every record is younger than an hour
    assert young.returncode == 0, young.output
    assert "(younger than 3600 s)" in young.stdout
    assert "Deleting 0 objects and 0 old records" in young.stdout

    pruned = prune(slugs[2], "--keep 2 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert f"keep    {record}" in pruned.stdout
    # The second release's two objects and its stored cache, and two old records (the first
    # release's cache stays: the revert's record points to it).
    assert "Deleted 5 objects" in pruned.stdout
    assert_renders(slugs[0])  # the revert: the newest release
    assert_renders(slugs[2])
    keys = listed(anys3, bucket)
    assert not {f"static/{name}" for name in second_only} & keys


def prune_while(server, slug, hold: str, args: str, during):
    """prune_static through the fault proxy, its first request of kind ``hold`` held while
    ``during()`` runs (a real build against the server); (prune's result, during's result)."""
    with FaultProxy(server.endpoint) as proxy, concurrent.futures.ThreadPoolExecutor(1) as pool:
        proxy.hold(hold)
        pruning = pool.submit(prune, slug, args, env={"AWS_S3_ENDPOINT_URL": proxy.url})
        deadline = time.monotonic() + 60
        while proxy.count(hold) < 1 and not pruning.done() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proxy.count(hold) == 1, pruning.result().output if pruning.done() else hold
        try:
            happened = during()
        finally:
            proxy.release()
        return pruning.result(), happened


def test_a_release_recorded_after_prune_listed_keeps_what_it_uses(make_slug, anys3, bucket):
    """Prune has listed the bucket and planned to delete the first release's own objects; before
    it deletes, that release is built again (a revert). Prune lists the records once more right
    before deleting, and keeps what the new record uses."""
    slugs = [deploy(make_slug, anys3, bucket, version) for version in (1, 2)]
    first_only = own_objects(slugs, 0)
    # Held: the first GET, reading a record to keep, after the listing the plan is made from.
    pruned, record = prune_while(
        anys3, slugs[1], "GET", "--keep 1 --min-age 0", lambda: rebuild(slugs[0])
    )
    assert pruned.returncode == 0, pruned.output
    for name in first_only:
        assert f"delete  static/{name}" in pruned.stdout  # the plan, from the first listing
    assert f"keep    {record} (recorded while pruning)" in pruned.stdout
    assert (
        f"1 release recorded while pruning: {len(first_only)} of the objects to delete are in "
        "use again and were kept" in pruned.stdout
    )
    assert "Deleted 1 objects" in pruned.stdout  # the first release's old record only
    assert {f"static/{name}" for name in first_only} <= listed(anys3, bucket)
    assert_renders(slugs[0])
    assert_renders(slugs[1])


def test_a_release_recorded_while_prune_deletes_is_named_and_a_build_restores_it(
    make_slug, anys3, bucket
):
    """The narrower race: the build lists while prune's DeleteObjects is on its way, and records
    after prune's last look. Prune lists the records once more after deleting, names the release
    that lost objects and exits non-zero; the build it asks for uploads them again."""
    slugs = [deploy(make_slug, anys3, bucket, version) for version in (1, 2)]
    first_only = own_objects(slugs, 0)
    pruned, record = prune_while(
        anys3, slugs[1], "POST", "--keep 1 --min-age 0", lambda: rebuild(slugs[0])
    )
    assert pruned.returncode == 1, pruned.output
    assert (
        "A build recorded a release while prune_static was deleting, and it uses "
        f"{len(first_only)} of the deleted objects: {record}, which uses static/" in pruned.stderr
    )
    assert "until the app is built again (the build uploads what is missing)" in pruned.stderr
    assert "git commit --allow-empty -m 'Rebuild' && git push heroku main" in pruned.stderr
    assert "Traceback" not in pruned.stderr
    assert not {f"static/{name}" for name in first_only} & listed(anys3, bucket)

    again = slugs[0].compile()
    assert again.returncode == 0, again.output
    assert f"Uploading {len(first_only)} objects" in again.stdout
    assert_renders(slugs[0])


def test_apps_sharing_a_prefix_are_named_and_each_keeps_its_releases(make_slug, s3server, bucket):
    """Staging and production with one bucket and prefix. --keep 1 counting both would delete
    production's running release (staging built last); prune names the two apps, keeps each
    one's newest, and says how to separate them."""
    staging, production = {"HEROKU_APP_NAME": "shop-staging"}, {"HEROKU_APP_NAME": "shop-prod"}
    slugs = [
        deploy(make_slug, s3server, bucket, 1, **staging),
        deploy(make_slug, s3server, bucket, 2, **production),
        deploy(make_slug, s3server, bucket, 3, **staging),
        deploy(make_slug, s3server, bucket, 4, **staging),
    ]
    pruned = prune(slugs[3], "--keep 1 --min-age 0")
    assert pruned.returncode == 0, pruned.output
    assert (
        f" !     Warning: 2 apps record their releases under {bucket}/static/: shop-prod (1) and "
        "shop-staging (3)." in pruned.stdout
    )
    assert "--keep 1 counted the releases of each app on its own (each keeps its last 1)" in (
        pruned.stdout
    )
    assert "heroku config:set AWS_LOCATION=static-<app> --app <app>" in pruned.stdout
    assert "Deleting 4 objects and 2 old records" in pruned.stdout  # staging's first two
    assert_renders(slugs[1])  # production's release
    assert_renders(slugs[3])
    keys = listed(s3server, bucket)
    for index in (0, 2):
        assert not {f"static/{name}" for name in own_objects(slugs, index)} & keys


@pytest.mark.parametrize(
    "hold, outcome",
    [("GET", "nothing was deleted"), ("POST", "the deletes were made")],
)
def test_an_unreadable_record_written_while_pruning_stops_it_with_its_name(
    hold, outcome, make_slug, s3server, bucket
):
    """A record that appears while prune runs and cannot be read: prune cannot know what it
    uses, so it stops (before deleting, or after, saying which) and names it."""
    slug = deploy(make_slug, s3server, bucket, 1)
    client = s3server.client()
    client.put_object(Bucket=bucket, Key="static/old/left-over.css", Body=b".old {}")
    name = "static/.manifests/20991231T000000Z-local-0123456789ab-shop.json"
    pruned, _ = prune_while(
        s3server,
        slug,
        hold,
        "--keep 1 --min-age 0",
        lambda: client.put_object(Bucket=bucket, Key=name, Body=b"{not json"),
    )
    assert pruned.returncode == 1, pruned.output
    assert f"The record {name} cannot be read (" in pruned.stderr
    assert f"); {outcome}." in pruned.stderr
    assert "Traceback" not in pruned.stderr
    left = "static/old/left-over.css" in listed(s3server, bucket)
    assert left == (hold == "GET")
