"""Releases written straight into a bucket, as builds of this and earlier versions record them.

A scenario about what prune_static makes of the records needs many releases of several apps;
building each would cost seconds. These write what a build leaves in the bucket: the release's
objects, its record (a pointer to its stored cache, or, as earlier versions wrote it, the whole
cache), with the same format code the build uses.
"""

from __future__ import annotations

import hashlib
import time

from django_s3_static.format import record_bodies
from django_s3_static.format.records import record_name
from django_s3_static.format.static_cache import StaticCache, StaticObject


def body(name: str) -> bytes:
    return f"/* {name} */\n".encode()


def release_cache(objects: list[str], prefix: str = "static") -> StaticCache:
    found = {
        name: StaticObject(len(body(name)), hashlib.md5(body(name)).hexdigest()) for name in objects
    }
    fingerprint = "sha256:" + hashlib.sha256("\n".join(objects).encode()).hexdigest()
    return StaticCache(fingerprint, "bucket", prefix, {}, found)


def put_release(
    client,
    bucket: str,
    objects: list[str],
    app: str | None,
    prefix: str = "static",
    stamp: float | None = None,
    old_style: bool = False,
    commit: str = "0123456789ab",
) -> str:
    """One release: its objects (each ``body(name)``), then its record; the record's key.

    ``stamp``: the time its name claims (now unless given); ``old_style``: the whole cache in
    the record, as versions before stored caches wrote it.
    """
    for name in objects:
        client.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body(name))
    cache = release_cache(objects, prefix)
    text = cache.to_json()
    name = record_name(cache, time.time() if stamp is None else stamp, commit, app, text)
    if old_style:
        writes = [record_bodies.Stored(name, text.encode(), "application/json")]
    else:
        writes = record_bodies.stored(text, name, record_bodies.sha256(text), present=False)
    for item in writes:
        client.put_object(
            Bucket=bucket,
            Key=f"{prefix}/{item.name}",
            Body=item.body,
            ContentType=item.content_type,
        )
    return f"{prefix}/{name}"


def keys(client, bucket: str) -> set[str]:
    found: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.update(item["Key"] for item in page.get("Contents", []))
    return found
