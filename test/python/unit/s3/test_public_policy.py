"""The bucket policy the build prints is the one the README and the docs give, and the one the
test servers apply (pure)."""

from __future__ import annotations

import json
import os
import re

import pytest

from django_s3_static.config import Config
from django_s3_static.s3.public import public_read_policy
from support.dyno import ROOT
from support.s3server import documented_policy


def policy_in(path: str) -> dict:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    blocks = [b for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"Principal": "*"' in b]
    assert len(blocks) == 1, path
    return json.loads(blocks[0])


@pytest.mark.parametrize("path", ["README.md", "docs/installing.md"])
def test_the_documented_policy_is_the_one_the_build_prints(path):
    printed = json.loads(public_read_policy(Config(bucket="my-app-static", location="static")))
    assert policy_in(path) == printed
    assert json.loads(documented_policy("my-app-static")) == printed


def test_the_policy_reads_everything_but_the_records_at_any_depth():
    (statement,) = json.loads(public_read_policy(Config(bucket="b", location="")))["Statement"]
    assert statement["Action"] == "s3:GetObject" and statement["Principal"] == "*"
    assert "Resource" not in statement
    assert statement["NotResource"] == [
        "arn:aws:s3:::b/.manifests/*",
        "arn:aws:s3:::b/*/.manifests/*",
    ]
