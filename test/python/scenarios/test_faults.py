"""Builds against a failing S3: resets, stalls, throttling, a server that goes down, wrong rights.

Every build goes through ``support.faultproxy.FaultProxy`` in front of the local S3 server
(``AWS_S3_ENDPOINT_URL`` points at the proxy, so the one anonymous GET of the public check goes
through it too; faults are only put on PUTs and listings, never on that GET). Assertions are on
outcomes, never on time: exit codes, messages, what the slug holds, and what the bucket holds,
listed and read back directly from the server (size and MD5 of every object the slug names).
The resets and stalls, the credentials and the concurrent builds also run against Ceph RGW (the
tests that take ``anys3``; their rows say "(ceph)").

At the end of the session a table is printed: faults injected, builds, builds that succeeded,
objects lost (named by a slug's static cache but missing or different in the bucket: must be 0)
and secrets leaked (the AWS secret or the Django SECRET_KEY in a build's output or anywhere in the
slug or build cache: must be 0). "faults" counts what the proxy injected (while the server is
down, every request and connection it resets), and for the concurrent builds the objects both
builds raced to write. A run on the 268-object example app (seeded: the counts vary, with the
timing of retries and the publish record's timestamped name):

    test                                faults  builds  succeeded  objects lost  secrets leaked
    server down after 40 PUTs, back up    1368       2          1             0               0
    10% resets and stalls                   34       1          1             0               0
    10% resets and stalls (ceph)            34       1          1             0               0
    30% SlowDown (first 30)                 30       1          1             0               0
    read-only credentials                    1       1          0             0               0
    write-only credentials                   1       1          0             0               0
    read-only credentials (ceph)             1       1          0             0               0
    write-only credentials (ceph)            1       1          0             0               0
    two builds at once                     134       2          2             0               0
    two builds at once (ceph)              134       2          2             0               0
    total                                 1738      13          8             0               0

The five builds that did not succeed are the ones that must not: the server went down
mid-upload, or the credentials lack a permission; each exits 1, says why, and releases nothing.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import http.server
import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import pytest

from conftest import deploy_config, server_of
from support.faultproxy import FaultProxy
from support.s3server import WRITE_ACCESS_KEY, WRITE_SECRET_KEY, stored_objects

PREFIX = "static"
RECORDS = f"{PREFIX}/.manifests/"  # publish records (prune_static), not static objects


# -- the table ------------------------------------------------------------------------------------


@dataclass
class Row:
    test: str
    faults: int
    builds: int
    succeeded: int
    lost: int
    leaked: int


TABLE: list[Row] = []


def format_table(rows: list[Row]) -> list[str]:
    fields = ("faults", "builds", "succeeded", "lost", "leaked")
    total = Row("total", *(sum(getattr(r, f) for r in rows) for f in fields))
    header = ("test", "faults", "builds", "succeeded", "objects lost", "secrets leaked")
    cells = [header] + [(r.test, *(str(getattr(r, f)) for f in fields)) for r in rows + [total]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]


class _Summary:
    """A plugin, registered by the first test here, that prints the table after the run."""

    def pytest_terminal_summary(self, terminalreporter):
        if TABLE:
            terminalreporter.write_line("")
            terminalreporter.write_line("Fault injection summary (test_faults.py):")
            for line in format_table(TABLE):
                terminalreporter.write_line("  " + line)


@pytest.fixture(scope="module", autouse=True)
def fault_table(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("dss-fault-table"):
        manager.register(_Summary(), "dss-fault-table")


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def proxy(request):
    """The fault proxy in front of the test's server (Ceph RGW for ``anys3[ceph]``)."""
    upstream = server_of(request).endpoint
    fault_proxy = FaultProxy(upstream, seed=20261127, stall_seconds=30).start()
    yield fault_proxy
    fault_proxy.stop()


def on(server) -> str:
    """The table's note of a test that ran on Ceph RGW rather than SeaweedFS."""
    return " (ceph)" if server.name == "ceph" else ""


def django_secret() -> str:
    return f"dss-django-secret-{uuid.uuid4().hex}"


def configure(slug, s3server, bucket, endpoint, **extra):
    config = deploy_config(
        s3server,
        bucket,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_LOCATION=PREFIX,
        SECRET_KEY=django_secret(),
        **extra,
    )
    slug.set_config(**config)
    return config


def manifest(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def lost_objects(s3server, bucket, cache: dict) -> list[str]:
    """Objects the cache names that are not in the bucket with its size and MD5 (bodies read)."""
    present = stored_objects(s3server.client(), bucket)
    client = s3server.client()

    def bad(item):
        name, entry = item
        key = f"{PREFIX}/{name}"
        if present.get(key) != (entry["size"], entry["md5"]):
            return name
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        if len(body) != entry["size"] or hashlib.md5(body).hexdigest() != entry["md5"]:
            return name
        return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return [n for n in pool.map(bad, sorted(cache["objects"].items())) if n]


def leaks(slug, result, config) -> list[str]:
    """Where the AWS secret or the Django SECRET_KEY shows up: the build's output or the slug."""
    secrets = [config["AWS_SECRET_ACCESS_KEY"], config["SECRET_KEY"]]
    found = [f"output: {s[:6]}..." for s in secrets if s in result.output]
    for folder, dirs, files in os.walk(slug.root):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) or path.startswith(slug.env_dir + os.sep):
                continue
            with open(path, "rb") as handle:
                content = handle.read()
            found += [f"{path}: {s[:6]}..." for s in secrets if s.encode() in content]
    return found


def nothing_released(slug) -> bool:
    build = slug.build_dir
    return not any(
        os.path.exists(os.path.join(build, p))
        for p in ("static_cache", ".profile.d", ".heroku/django-s3-static")
    )


def object_puts(proxy, cache: dict) -> list:
    keys = {f"{PREFIX}/{name}" for name in cache["objects"]}
    return [r for r in proxy.puts() if r.key in keys]


# -- the proxy itself -----------------------------------------------------------------------------


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A tiny upstream: answers each PUT with the MD5 of the body it got, however framed."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_PUT(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            content = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    self.rfile.readline()
                    break
                content += self.rfile.read(size)
                self.rfile.readline()
        else:
            content = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = hashlib.md5(content).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "1234")
        self.end_headers()

    def do_GET(self):  # framed by the end of the connection, as HTTP/1.0 servers do
        self.close_connection = True
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"until-eof " * 1000)


def test_the_proxy_frames_bodies_keeps_connections_and_leaves_nothing_behind():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        proxy = FaultProxy(f"http://127.0.0.1:{server.server_address[1]}", seed=1).start()
        port = int(proxy.url.rsplit(":", 1)[1])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = os.urandom(100_000)
            connection.request("PUT", "/b/plain", body=body, headers={"Expect": "100-continue"})
            answer = connection.getresponse()
            assert answer.read().decode() == hashlib.md5(body).hexdigest()
            # Same connection: chunked upload, then HEAD, then a body framed by EOF upstream.
            connection.request(
                "PUT", "/b/chunked", body=iter([body[:7], body[7:]]), encode_chunked=True
            )
            assert connection.getresponse().read().decode() == hashlib.md5(body).hexdigest()
            connection.request("HEAD", "/b/plain")
            head = connection.getresponse()
            assert head.getheader("Content-Length") == "1234" and head.read() == b""
            connection.request("GET", "/b/x")
            assert connection.getresponse().read() == b"until-eof " * 1000
            connection.close()
            # aws-chunked content is recorded by its payload's MD5.
            signed = b"5;chunk-signature=ab\r\nhello\r\n0;chunk-signature=cd\r\n\r\n"
            raw = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            raw.request("PUT", "/b/aws", body=signed, headers={"Content-Encoding": "aws-chunked"})
            raw.getresponse().read()
            raw.close()

            proxy.set_faults("PUT", slowdown=1.0)
            slow = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            slow.request("PUT", "/b/slow", body=b"x")
            refused = slow.getresponse()
            assert refused.status == 503
            assert b"<Code>SlowDown</Code>" in refused.read()
            proxy.set_faults("PUT", reset=1.0)
            with pytest.raises((ConnectionError, http.client.HTTPException)):
                slow.request("PUT", "/b/slow", body=b"x")  # same connection, still in sync
                slow.getresponse()
            slow.close()
            proxy.go_down()
            with pytest.raises((ConnectionError, http.client.HTTPException)):
                down = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                down.request("GET", "/b/x")
                down.getresponse()
        finally:
            proxy.stop()
        records = {(r.method, r.target, r.action): r for r in proxy.records}
        assert records[("PUT", "/b/plain", "forward")].md5 == hashlib.md5(body).hexdigest()
        assert records[("PUT", "/b/chunked", "forward")].md5 == hashlib.md5(body).hexdigest()
        assert records[("PUT", "/b/aws", "forward")].md5 == hashlib.md5(b"hello").hexdigest()
        assert proxy.counts == {"PUT": 5, "HEAD": 1, "GET": 1}
        assert proxy.faults["slowdown"] == 1 and proxy.faults["reset"] == 1
        assert [t for t in threading.enumerate() if t.name.startswith("faultproxy")] == []
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        server.shutdown()
        server.server_close()


# -- builds against faults ------------------------------------------------------------------------


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


def test_a_collected_file_removed_before_its_upload_thread_compresses_it_fails_by_name(
    make_slug, s3server, bucket, proxy, tmp_path, monkeypatch
):
    """One upload thread, its first PUT held at the proxy: a stylesheet still queued behind it is
    removed from the build's collected folder, as another process or a failing disk might."""
    slug = make_slug()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # where bin/compile collects
    (tmp_path / "tmp").mkdir()
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
        [collected] = (tmp_path / "tmp").glob("django-s3-static-*/collected")
        first = proxy.records[-1].target.split("?")[0]
        name = next(
            str(path.relative_to(collected))
            for path in sorted(collected.rglob("*.css"))
            if not first.endswith("/" + str(path.relative_to(collected)))
        )
        (collected / name).unlink()
        proxy.release()
        result = building.result()
    assert result.returncode == 1, result.output
    assert (
        f"Cannot upload {name}: {collected / name} cannot be read (No such file or directory)."
    ) in result.stdout
    assert "something removed or changed it since" in result.stdout
    assert "Nothing was released" in result.stdout
    assert "Traceback" not in result.stdout
    assert nothing_released(slug)
    assert f"{PREFIX}/{name}" not in stored_objects(s3server.client(), bucket)

    proxy.wait_idle()
    again = slug.compile()
    assert again.returncode == 0, again.output
    lost = lost_objects(s3server, bucket, manifest(slug))
    assert lost == []
    leaked = leaks(slug, result, config) + leaks(slug, again, config)
    assert leaked == []
    TABLE.append(Row("collected file removed mid-upload", 1, 2, 1, len(lost), len(leaked)))


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
