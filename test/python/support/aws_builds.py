"""Builds through AwsProxy in front of the local S3 server, and what the bucket holds after."""

from __future__ import annotations

import json
import os

import pytest

from conftest import deploy_config
from support.awsproxy import AwsProxy
from support.dyno import ROOT
from support.s3server import stored_objects

PREFIX = "static"
SEED = 20261130
LIB = os.path.join(ROOT, "lib")


@pytest.fixture
def aws(s3server):
    proxy = AwsProxy(s3server.endpoint, seed=SEED).start()
    yield proxy
    proxy.stop()


def configure(slug, s3server, bucket, endpoint, **extra) -> None:
    slug.set_config(
        **deploy_config(
            s3server, bucket, AWS_S3_ENDPOINT_URL=endpoint, AWS_LOCATION=PREFIX, **extra
        )
    )


def manage(slug, command: str):
    """A management command where the whole package is installed (a developer's machine, CI),
    with the slug's config vars: the slug itself carries only the runtime."""
    return slug.local(f"python manage.py {command}", env={"PYTHONPATH": LIB})


def manifest(slug) -> dict:
    with open(os.path.join(slug.build_dir, "static_cache", "manifest.json")) as handle:
        return json.load(handle)


def hashed(cache: dict) -> set[str]:
    return {h for original, h in cache["paths"].items() if h != original}


def not_stored(s3server, bucket, cache: dict) -> list[str]:
    """Names the cache references that the bucket lacks, or holds with another size or MD5."""
    present = stored_objects(s3server.client(), bucket)
    return [
        name
        for name, entry in sorted(cache["objects"].items())
        if present.get(f"{PREFIX}/{name}") != (entry["size"], entry["md5"])
    ]
