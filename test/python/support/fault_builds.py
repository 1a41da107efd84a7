"""Builds through the fault proxy, and what they are checked for: objects lost, secrets leaked.

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
import json
import os
import uuid
from dataclasses import dataclass

import pytest

from conftest import deploy_config, server_of
from support.faultproxy import FaultProxy
from support.s3server import stored_objects

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
    """A plugin, registered by the first fault test, that prints the table after the run."""

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
