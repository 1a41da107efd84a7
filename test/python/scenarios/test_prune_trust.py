"""What no record can turn against the app: planted names, another app, a prefix inside the prefix.

Each scenario writes the releases a build would leave in the bucket (``support.releases``: the
objects and the records, in the build's own format; here mostly as earlier versions wrote them,
the format the planted records and the reproductions used) and runs prune_static in a
developer's checkout against a real local server, which sets every record's LastModified itself.
"""

from __future__ import annotations

import time

import pytest

from conftest import deploy_config
from support.checkout import command_env, example_checkout
from support.checkout import manage as checkout_manage
from support.releases import keys, put_release


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return example_checkout(tmp_path_factory.mktemp("prune-trust"))


def prune(checkout, server, bucket, *args: str):
    config = deploy_config(server, bucket, AWS_LOCATION="static")
    result = checkout_manage(checkout, command_env(config), "prune_static", *args)
    return result.returncode, result.stdout, result.stderr


def objects_of(version: str) -> list[str]:
    return [f"css/site.{version}.css", f"js/app.{version}.js"]


def test_records_named_in_the_future_push_no_release_out(checkout, anys3, bucket):
    """Keys that may only write (a CI job, a review app) plant three records named in the year
    9999 that use nothing. Ordered by their names they were the newest three for ever, and
    --keep 1 deleted the running release's stylesheet; by S3's time they count for nobody."""
    client = anys3.client()
    start = time.time() - 60
    put_release(client, bucket, objects_of("v1"), "shop", stamp=start, old_style=True)
    put_release(client, bucket, objects_of("v2"), "shop", stamp=start + 1, old_style=True)
    planted = [
        put_release(client, bucket, [], "shop", stamp=253402300799, old_style=True, commit=f"e{n}")
        for n in range(3)  # 99991231T235959Z
    ]
    code, out, err = prune(checkout, anys3, bucket, "--keep", "1", "--min-age", "0")
    assert code == 0, out + err
    left = keys(client, bucket)
    assert {f"static/{name}" for name in objects_of("v2")} <= left  # the running release
    assert not {f"static/{name}" for name in objects_of("v1")} & left  # pruning still prunes
    assert set(planted) <= left
    assert f"3 records under {bucket}/static/ claim a time S3 contradicts" in out
    assert "says 9999-12-31 23:59:59 UTC, S3 stored it 20" in out
    assert f"keep    {planted[0]} (its name's time is not S3's: counted for no app)" in out


def test_every_app_keeps_its_releases_and_unlabelled_records_take_no_place(
    checkout, s3server, bucket
):
    """Production builds three times, then staging shares the prefix and builds four times,
    then publish_static runs three times from a laptop. --keep 3 over all of them kept the
    laptop's three and deleted both apps' running releases, without a word."""
    client = s3server.client()
    start = time.time() - 60
    production = [
        put_release(
            client, bucket, objects_of(f"p{n}"), "shop-prod", stamp=start + n, old_style=True
        )
        for n in range(3)
    ]
    staging = [
        put_release(
            client, bucket, objects_of(f"s{n}"), "shop-staging", stamp=start + 3 + n, old_style=True
        )
        for n in range(4)
    ]
    laptop = [
        put_release(client, bucket, objects_of(f"l{n}"), None, stamp=start + 7 + n, old_style=True)
        for n in range(3)
    ]
    code, out, err = prune(checkout, s3server, bucket, "--keep", "3", "--min-age", "0")
    assert code == 0, out + err
    left = keys(client, bucket)
    assert set(production) | set(staging[1:]) | set(laptop) <= left
    assert staging[0] not in left
    for version in ["p0", "p1", "p2", "s1", "s2", "s3", "l0", "l1", "l2"]:
        assert {f"static/{name}" for name in objects_of(version)} <= left, version
    assert not {f"static/{name}" for name in objects_of("s0")} & left
    assert f"2 apps record their releases under {bucket}/static/: shop-prod (3) and " in out
    assert "--same-app shop-prod,shop-staging" in out

    merged = prune(
        checkout, s3server, bucket, "--keep", "3", "--min-age", "0", "--dry-run",
        "--same-app", "shop-prod,shop-staging",
    )  # fmt: skip
    assert merged[0] == 0, merged[1] + merged[2]
    assert f"delete  {production[0]}" in merged[1]  # told they are one app, they count as one


def test_a_prefix_inside_the_prefix_is_left_alone(checkout, s3server, bucket):
    """Production at static, a review app at static/pr-42: prune of static deleted the review
    app's objects and records, taking static/pr-42/.manifests/ for no records at all."""
    client = s3server.client()
    start = time.time() - 60
    put_release(client, bucket, objects_of("v1"), "shop", stamp=start, old_style=True)
    put_release(client, bucket, objects_of("v2"), "shop", stamp=start + 1, old_style=True)
    for n in range(2):  # two releases of the review app, the older one from an earlier version
        put_release(
            client, bucket, objects_of(f"r{n}"), "shop-pr-42", "static/pr-42", start + n, n == 0
        )
    before = {key for key in keys(client, bucket) if key.startswith("static/pr-42/")}
    assert len(before) == 2 * 2 + 2 + 1  # its objects, its records, the newer one's cache

    code, out, err = prune(checkout, s3server, bucket, "--keep", "1", "--min-age", "0")
    assert code == 0, out + err
    left = keys(client, bucket)
    assert before <= left  # every object and record of the review app
    assert "leave   static/pr-42/ (another prefix, with records of its own)" in out
    assert not {f"static/{name}" for name in objects_of("v1")} & left
