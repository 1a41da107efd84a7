"""Builds against a failing S3: resets, stalls, throttling, a server down, wrong rights, races."""

from __future__ import annotations

import concurrent.futures
import re
import time

import pytest

from support import fault_builds
from support.fault_builds import (
    PREFIX,
    RECORDS,
    TABLE,
    Row,
    configure,
    leaks,
    lost_objects,
    manifest,
    nothing_released,
    object_puts,
    on,
)
from support.s3server import WRITE_ACCESS_KEY, WRITE_SECRET_KEY, stored_objects

fault_table = fault_builds.fault_table
proxy = fault_builds.proxy


def test_server_down_mid_upload_fails_cleanly_and_the_next_build_uploads_only_what_is_missing(
    make_slug, s3server, bucket, proxy
):
    slug = make_slug()
    config = configure(
        slug,
        s3server,
        bucket,
        proxy.url,
        DJANGO_S3_STATIC_MAX_ATTEMPTS="2",
        DJANGO_S3_STATIC_CONCURRENCY="8",
    )
    proxy.go_down(after_puts=40)
    first = slug.compile()
    assert first.returncode == 1, first.output
    assert first.stderr == ""
    assert "uploads failed" in first.stdout
    assert f"Cannot reach {proxy.url}" in first.stdout
    assert "Nothing was released" in first.stdout
    assert "it uploads only what is still missing" in first.stdout
    assert "Traceback" not in first.stdout
    assert nothing_released(slug)  # no slug pointing at missing objects
    faults = sum(proxy.faults.values())

    proxy.wait_idle()
    after_first = stored_objects(s3server.client(), bucket)
    proxy.come_up()
    proxy.reset_counters()
    second = slug.compile()
    assert second.returncode == 0, second.output
    cache = manifest(slug)
    missing = [
        name
        for name, entry in cache["objects"].items()
        if after_first.get(f"{PREFIX}/{name}") != (entry["size"], entry["md5"])
    ]
    assert 0 < len(missing) < len(cache["objects"])
    puts = object_puts(proxy, cache)
    assert len(puts) == len(missing)
    assert sorted(r.key for r in puts) == sorted(f"{PREFIX}/{n}" for n in missing)
    assert all(r.key.startswith(RECORDS) for r in proxy.puts() if r not in puts)
    present = len(cache["objects"]) - len(missing)
    assert f"Uploading {len(missing)} objects" in second.stdout
    assert f"{present} already in the bucket" in second.stdout
    lost = lost_objects(s3server, bucket, cache)
    assert lost == []
    leaked = leaks(slug, first, config) + leaks(slug, second, config)
    assert leaked == []
    TABLE.append(Row("server down after 40 PUTs, back up", faults, 2, 1, len(lost), len(leaked)))


def test_collected_files_removed_before_their_upload_fail_by_name_and_no_work_folder_is_left(
    make_slug, s3server, bucket, proxy, tmp_path, monkeypatch
):
    """One upload thread, its first PUT held at the proxy: the pack the collect wrote is removed
    while the other objects are queued, as another process or a failing disk might. The build's
    work folder is gone when it ends, failed or not."""
    slug = make_slug()
    work = tmp_path / "tmp"
    monkeypatch.setenv("TMPDIR", str(work))  # where bin/compile collects
    work.mkdir()
    config = configure(
        slug,
        s3server,
        bucket,
        proxy.url,
        DJANGO_S3_STATIC_CONCURRENCY="1",
        DJANGO_S3_STATIC_COMPRESS="gzip",
    )
    proxy.hold("PUT")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        building = pool.submit(slug.compile)
        deadline = time.monotonic() + 120
        while proxy.count("PUT") < 1 and not building.done() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proxy.count("PUT") == 1, building.result().output if building.done() else "no PUT"
        [pack] = work.glob("django-s3-static-*/collected/.collected.pack")
        pack.unlink()
        proxy.release()
        result = building.result()
    assert result.returncode == 1, result.output
    failed = re.search(
        r"Cannot upload (\S+): (\S+) cannot be read \(No such file or directory\)\.", result.stdout
    )
    assert failed and failed[2] == str(pack), result.stdout
    assert "something removed or changed it since" in result.stdout
    assert "Nothing was released" in result.stdout
    assert "Traceback" not in result.stdout
    assert nothing_released(slug)
    assert f"{PREFIX}/{failed[1]}" not in stored_objects(s3server.client(), bucket)
    assert list(work.iterdir()) == []  # the collected files went with the failed build

    proxy.wait_idle()
    again = slug.compile()
    assert again.returncode == 0, again.output
    assert list(work.iterdir()) == []
    lost = lost_objects(s3server, bucket, manifest(slug))
    assert lost == []
    leaked = leaks(slug, result, config) + leaks(slug, again, config)
    assert leaked == []
    TABLE.append(Row("collected files removed mid-upload", 1, 2, 1, len(lost), len(leaked)))


def test_resets_and_stalls_on_a_tenth_of_requests_do_not_fail_the_build(
    make_slug, anys3, bucket, proxy
):
    slug = make_slug()
    config = configure(slug, anys3, bucket, proxy.url, DJANGO_S3_STATIC_READ_TIMEOUT="2")
    # 10% of PUTs: reset before forwarding, reset after the object was written (the answer is
    # lost), or stalled past the read timeout; the listing meets the same.
    proxy.set_faults("PUT", reset=0.04, reset_after=0.03, stall=0.03)
    proxy.set_faults("LIST", reset=0.5, stall=0.5, limit=2)
    result = slug.compile()
    assert result.returncode == 0, result.output
    faults = proxy.faults
    assert faults["reset"] and faults["reset_after"] and faults["stall"], faults
    cache = manifest(slug)
    lost = lost_objects(anys3, bucket, cache)
    assert lost == []
    # Every hashed object was written exactly once (a retry after a lost answer meets 412).
    hashed = {f"{PREFIX}/{h}" for o, h in cache["paths"].items() if h != o}
    written = [r.key for r in proxy.puts() if r.status == 200 and r.key in hashed]
    assert sorted(written) == sorted(hashed)
    leaked = leaks(slug, result, config)
    assert leaked == []
    TABLE.append(
        Row(f"10% resets and stalls{on(anys3)}", sum(faults.values()), 1, 1, len(lost), len(leaked))
    )


def test_slowdown_lowers_concurrency_and_the_build_succeeds(make_slug, s3server, bucket, proxy):
    slug = make_slug()
    config = configure(slug, s3server, bucket, proxy.url)
    # 30% of PUTs answered 503 SlowDown until 30 were refused; then the server recovers.
    proxy.set_faults("PUT", slowdown=0.3, limit=30)
    result = slug.compile()
    assert result.returncode == 0, result.output
    assert proxy.faults["slowdown"] == 30
    line = next(x for x in result.stdout.splitlines() if "S3 asked to slow down" in x)
    lowest = int(line.split("uploads went down to ")[1].split()[0])
    assert lowest < 32, line
    cache = manifest(slug)
    lost = lost_objects(s3server, bucket, cache)
    assert lost == []
    leaked = leaks(slug, result, config)
    assert leaked == []
    TABLE.append(Row("30% SlowDown (first 30)", 30, 1, 1, len(lost), len(leaked)))


@pytest.mark.parametrize(
    "identity, permission, message",
    [
        ("read-only", "s3:PutObject", "upload"),  # "... were not sent" or "uploads failed"
        ("write-only", "s3:ListBucket", "may not list the objects in"),
    ],
)
def test_credentials_without_a_permission_fail_with_its_name(
    identity, permission, message, make_slug, anys3, bucket
):
    env = anys3.env
    if identity == "read-only":
        keys = env["DSS_TEST_S3_READ_ACCESS_KEY"], env["DSS_TEST_S3_READ_SECRET_KEY"]
    else:
        keys = (
            env.get("DSS_TEST_S3_WRITE_ACCESS_KEY", WRITE_ACCESS_KEY),
            env.get("DSS_TEST_S3_WRITE_SECRET_KEY", WRITE_SECRET_KEY),
        )
    slug = make_slug()
    config = configure(
        slug,
        anys3,
        bucket,
        anys3.endpoint,
        AWS_ACCESS_KEY_ID=keys[0],
        AWS_SECRET_ACCESS_KEY=keys[1],
    )
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert message in result.stdout
    assert "Access denied" in result.stdout
    assert f"Grant the IAM user the {permission} permission" in result.stdout
    assert "Traceback" not in result.stdout
    assert nothing_released(slug)
    assert [k for k in stored_objects(anys3.client(), bucket) if not k.startswith(RECORDS)] == []
    leaked = leaks(slug, result, config)
    assert leaked == []
    TABLE.append(Row(f"{identity} credentials{on(anys3)}", 1, 1, 0, 0, len(leaked)))


def test_two_builds_at_once_both_succeed_and_nothing_is_overwritten(
    make_slug, anys3, bucket, proxy
):
    slugs = [make_slug(), make_slug()]
    configs = [configure(slug, anys3, bucket, proxy.url) for slug in slugs]
    # Both builds list the (empty) bucket before either may PUT: every object is raced.
    proxy.hold("PUT")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        builds = [pool.submit(slug.compile) for slug in slugs]
        deadline = time.monotonic() + 60
        while proxy.count("LIST") < 2 and time.monotonic() < deadline:
            if any(b.done() for b in builds):
                break
            time.sleep(0.05)
        proxy.release()
        results = [b.result() for b in builds]
    for result in results:
        assert result.returncode == 0, result.output
    caches = [manifest(slug) for slug in slugs]
    assert caches[0]["objects"] == caches[1]["objects"]
    lost = lost_objects(anys3, bucket, caches[0])
    assert lost == []
    hashed = {f"{PREFIX}/{h}" for o, h in caches[0]["paths"].items() if h != o}
    by_key: dict[str, list] = {}
    for record in proxy.puts():
        by_key.setdefault(record.key, []).append(record)
    for key, records in by_key.items():
        bodies = {r.md5 for r in records if r.status == 200}
        assert len(bodies) <= 1, key  # never overwritten with other content
        if key in hashed:
            assert all(r.if_none_match == "*" for r in records), key
            assert [r.status for r in records].count(200) == 1, (key, records)
    raced = [k for k in hashed if len(by_key.get(k, [])) == 2]
    assert raced, "the two builds did not race"
    assert all(sorted(r.status for r in by_key[k]) == [200, 412] for k in raced)
    assert any("already there (another build" in r.stdout for r in results)
    leaked = sum(len(leaks(s, r, c)) for s, r, c in zip(slugs, results, configs, strict=True))
    assert leaked == 0
    TABLE.append(Row(f"two builds at once{on(anys3)}", len(raced), 2, 2, len(lost), leaked))
