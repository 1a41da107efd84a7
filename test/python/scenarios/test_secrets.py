"""No secret leaves the build: not in its output, the slug, the build cache or the bucket.

Every build path runs with recognisable secrets: ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``
and a Django ``SECRET_KEY`` config var, each with a unique marker, and debug output on
(``DJANGO_S3_STATIC_DEBUG=1``). After each build the markers are looked for in stdout and stderr,
every file under BUILD_DIR (``.heroku/python`` is a symlink and not followed), ``.profile.d``, the
static cache, CACHE_DIR, the buildpack's ``export`` file if one exists, the build's temporary
folder (``TMPDIR``, which must be left empty), and every object of the bucket: its key, its
metadata and headers, and its body.

The local S3 server (SeaweedFS) refuses a session token with static credentials, so the token is
set only on the paths that fail before S3 accepts a request (no bucket, wrong credentials,
unreachable endpoint, settings errors); the success paths use the server's real secret key, which
is just as recognisable.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json
import os
import uuid

import pytest

from conftest import deploy_config
from support.dyno import ROOT, free_port

DEBUG = {"DJANGO_S3_STATIC_DEBUG": "1"}


def marker(kind: str) -> str:
    return f"dss-{kind}-{uuid.uuid4().hex}"


@pytest.fixture
def build_tmp(tmp_path, monkeypatch):
    """The builds' TMPDIR: a folder of its own, so what a build leaves there can be checked."""
    folder = tmp_path / "build-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


GZIP = b"\x1f\x8b"


def bucket_contents(s3server, bucket: str) -> list[tuple[str, bytes]]:
    """(where, bytes) for every object's key, its HEAD headers and metadata, and its body."""
    client = s3server.client()
    keys = [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    ]

    def read(key: str) -> list[tuple[str, bytes]]:
        head = client.head_object(Bucket=bucket, Key=key)
        headers = head["ResponseMetadata"]["HTTPHeaders"]
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        # Stored compressed (the stored caches of the records, gzip-encoded files): read both.
        unpacked = [(f"body {key}, gunzipped", gzip.decompress(body))] if body[:2] == GZIP else []
        return [
            (f"key {key}", key.encode()),
            (f"head {key}", json.dumps([headers, head.get("Metadata")]).encode()),
            (f"body {key}", body),
            *unpacked,
        ]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return [place for places in pool.map(read, keys) for place in places]


def files_under(folder: str) -> list[tuple[str, bytes]]:
    found = []
    for parent, dirs, files in os.walk(folder):  # symlinked folders are listed, not entered
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(parent, d))]
        for name in files:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                found.append((f"link {path}", os.readlink(path).encode()))
                continue
            with open(path, "rb") as handle:
                found.append((path, handle.read()))
    return found


def assert_nothing_leaked(slug, result, secrets, s3server=None, bucket=None, tmp=None):
    places = [("stdout", result.stdout.encode()), ("stderr", result.stderr.encode())]
    places += files_under(slug.build_dir)  # the app, static cache, .profile.d, package copy
    places += files_under(slug.cache_dir)
    export = os.path.join(ROOT, "export")  # a buildpack may leave one for the next buildpack
    if os.path.isdir(export):
        places += files_under(export)
    elif os.path.exists(export):
        with open(export, "rb") as handle:
            places.append((export, handle.read()))
    if tmp is not None:
        left = os.listdir(tmp)
        assert left == [], f"the build left files in TMPDIR: {left}"
    if bucket is not None:
        places += bucket_contents(s3server, bucket)
    leaked = [
        (where, secret[:12] + "...")
        for where, content in places
        for secret in secrets
        if secret and secret.encode() in content
    ]
    assert leaked == []
    return len(places)


PROBE = """
import json as _json, os as _os
if _os.environ.get("DSS_TEST_ENV_PROBE"):
    with open("/proc/%d/environ" % _os.getppid(), "rb") as _handle:
        _parent_env = _handle.read().split(b"\\0")
    with open("/proc/%d/cmdline" % _os.getppid(), "rb") as _handle:
        _parent_cmd = _handle.read().split(b"\\0")
    with open(_os.environ["DSS_TEST_ENV_PROBE"], "a") as _out:
        _out.write(_json.dumps({
            "child_sees_secret_key": SECRET_KEY == _os.environ.get("SECRET_KEY"),
            "parent": [a.decode() for a in _parent_cmd if a.startswith(b"django_s3_static")],
            "parent_has": sorted(
                name for name in ("SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
                if any(e.startswith(name.encode() + b"=") for e in _parent_env)
            ),
        }) + "\\n")
"""


def test_success_and_fast_path_leak_nothing(make_slug, s3server, bucket, build_tmp, tmp_path):
    """Config vars reach the settings, only in child processes: the settings read SECRET_KEY
    (the build succeeds), in a child whose parent, the build helper, holds neither it nor the
    AWS keys in its environment; and no file, log line or object holds a secret."""
    slug = make_slug()
    django_secret = marker("django-secret")
    probe = tmp_path / "probe.jsonl"
    slug.set_config(
        **deploy_config(
            s3server,
            bucket,
            AWS_LOCATION="static",
            SECRET_KEY=django_secret,
            DSS_TEST_ENV_PROBE=str(probe),
            **DEBUG,
        )
    )
    append_settings(slug, PROBE)
    secrets = [s3server.secret_key, django_secret]
    first = slug.compile()
    assert first.returncode == 0, first.output
    assert "Debug: Config(" in first.stdout
    assert "Collecting: no committed static cache" in first.stdout
    checked = assert_nothing_leaked(slug, first, secrets, s3server, bucket, build_tmp)
    assert checked > 500  # the slug's files and the bucket's 268 objects were all looked at

    fast = slug.compile()  # the static cache is in the build folder now: the fast path
    assert fast.returncode == 0, fast.output
    assert "Static files unchanged" in fast.stdout
    assert_nothing_leaked(slug, fast, secrets, s3server, bucket, build_tmp)

    children = [json.loads(line) for line in probe.read_text().splitlines()]
    # Inspection and collectstatic on the first build, inspection alone on the fast path.
    assert (
        children
        == [
            {
                "child_sees_secret_key": True,
                "parent": ["django_s3_static.buildpack"],
                "parent_has": [],
            }
        ]
        * 3
    )


def broken_css(slug):
    path = os.path.join(slug.build_dir, "exampleapp", "static", "css", "broken.css")
    with open(path, "w") as handle:
        handle.write('.broken { background: url("../img/missing.png"); }\n')


def append_settings(slug, code: str) -> None:
    with open(os.path.join(slug.build_dir, "exampleapp", "settings.py"), "a") as handle:
        handle.write("\n" + code + "\n")


# name: (config changes, files changed in the app, uses the session token, expected message)
FAILURES = {
    "no bucket": (
        {"AWS_STORAGE_BUCKET_NAME": ""},
        None,
        True,
        "No bucket configured",
    ),
    "wrong credentials": (
        {"AWS_SECRET_ACCESS_KEY": "@secret"},
        None,
        True,
        "S3 refused the credentials",
    ),
    "missing bucket": (
        {"AWS_STORAGE_BUCKET_NAME": "no-such-bucket-for-secrets", "AWS_SECRET_ACCESS_KEY": ""},
        None,
        False,
        "does not exist",
    ),
    "unreachable endpoint": (
        {
            "AWS_S3_ENDPOINT_URL": "@closed-port",
            "AWS_SECRET_ACCESS_KEY": "@secret",
            "DJANGO_S3_STATIC_MAX_ATTEMPTS": "1",
        },
        None,
        True,
        "Cannot reach http://127.0.0.1:",
    ),
    "collectstatic raises": (
        {"DJANGO_S3_STATIC_STRICT_REFERENCES": "1", "AWS_SECRET_ACCESS_KEY": ""},
        broken_css,
        False,
        "collectstatic failed: ValueError",
    ),
    "settings cannot be imported": (
        {
            "DJANGO_SETTINGS_MODULE": "exampleapp.no_such_settings",
            "AWS_SECRET_ACCESS_KEY": "@secret",
        },
        None,
        True,
        "cannot be imported",
    ),
    "private bucket": (
        {"@private": "1", "AWS_SECRET_ACCESS_KEY": ""},
        None,
        False,
        "Browsers cannot read the static files",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failures_leak_nothing(case, make_slug, s3server, build_tmp):
    changes, edit, with_token, message = FAILURES[case]
    bucket = s3server.bucket(public="@private" not in changes)
    slug = make_slug()
    django_secret = marker("django-secret")
    config = deploy_config(
        s3server, bucket, AWS_LOCATION="static", SECRET_KEY=django_secret, **DEBUG
    )
    secrets = [django_secret, s3server.secret_key]
    for name, value in changes.items():
        if name.startswith("@"):
            continue
        if value == "@secret":
            value = marker("aws-secret")
            secrets.append(value)
        elif value == "@closed-port":
            value = f"http://127.0.0.1:{free_port()}"
        elif value == "" and name == "AWS_SECRET_ACCESS_KEY":
            continue  # the real key: the path needs S3 to accept it
        config[name] = value
    if with_token:
        config["AWS_SESSION_TOKEN"] = marker("session-token")
        secrets.append(config["AWS_SESSION_TOKEN"])
    slug.set_config(**config)
    if edit:
        edit(slug)
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert message in result.stdout
    assert result.stderr == ""
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))
    assert_nothing_leaked(slug, result, secrets, s3server, bucket, build_tmp)


def test_a_settings_error_that_quotes_a_config_var_does_not_print_it(make_slug, s3server, bucket):
    """Settings often parse config vars; Python's message then quotes the value it choked on.

    The README says no config var is written to the build log, yet only the AWS secret and the
    session token are redacted: a Django SECRET_KEY (or DATABASE_URL, with its password) quoted
    by a settings error is printed as is.
    """
    slug = make_slug()
    django_secret = marker("django-secret")
    slug.set_config(**deploy_config(s3server, bucket, SECRET_KEY=django_secret))
    append_settings(slug, 'SESSION_COOKIE_AGE = int(os.environ["SECRET_KEY"])  # a slip')
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert "failed to load: ValueError: invalid literal for int()" in result.stdout
    assert django_secret not in result.stdout
