"""Hostile input: committed static caches and static folders made to break or mislead the build.

A committed ``static_cache/manifest.json`` comes from the repository: anyone who can push can
write anything in it. Loading it must raise nothing but ``CacheError`` (with a one-line reason),
never accept a name that escapes the prefix, and never hang. The static folders come from the
repository too: a file name that is not UTF-8, or a symbolic link out of the app, must not reach
the public bucket.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from conftest import deploy_config
from django_s3_static.format import static_cache
from django_s3_static.format.names import MAX_NAME_LENGTH, name_problem
from django_s3_static.format.static_cache import MAX_ENTRIES, CacheError, StaticCache, StaticObject
from support.dyno import ROOT

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
# Hypothesis keeps caches (Unicode tables, constants) in ./.hypothesis: keep them out of the tree.
set_hypothesis_home_dir(os.path.join(ROOT, "test", ".cache", "hypothesis"))
FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),  # a hang fails the example; generous for a busy 2-core box
    derandomize=True,  # the same examples on every run (and in CI)
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.too_slow],
)

# -- strategies -----------------------------------------------------------------------------------

ANY_CHAR = st.one_of(
    st.characters(exclude_categories=()),
    st.integers(0xD800, 0xDFFF).map(chr),  # lone surrogates: what a non-UTF-8 file name becomes
    st.sampled_from(["\x00", "\x1f", "\x7f", "\x85", "\u2028", "\\", "/", ".", "%", "\uff0e"]),
)
TRICKY_SEGMENTS = st.sampled_from(
    [
        "",
        ".",
        "..",
        "...",
        "%2e%2e",
        "..%2f",
        "\\..",
        "..\\",
        "~",
        " ",
        " ..",
        ".. ",
        "\uff0e\uff0e",
        "\u2024\u2024",
        "a",
        "css",
        "site.css",
        "x" * 300,
        "\udcff",
        "é",
    ]
)
PLAIN = st.text("abcz019._-", min_size=1, max_size=12)
SEGMENTS = st.one_of(TRICKY_SEGMENTS, st.text(ANY_CHAR, max_size=10), PLAIN)
NAMES = st.one_of(
    st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join),
    st.lists(SEGMENTS, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    st.text(ANY_CHAR, max_size=40),
    st.text(alphabet="./\\a", max_size=30),
    st.integers(1, 3).map(lambda n: "a/" * (MAX_NAME_LENGTH // 2 + n) + "b"),  # near the limit
)
SAFE_PREFIXES = st.one_of(
    st.just(""),
    st.sampled_from(["static", "a/b", "v2/static"]),
    st.lists(st.text("abz09_-", min_size=1, max_size=8), min_size=1, max_size=3).map("/".join),
)
JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(ANY_CHAR, max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
HEX32 = st.text("0123456789abcdef", min_size=32, max_size=32)
MD5S = st.one_of(
    HEX32,
    st.tuples(HEX32, st.sampled_from(["\n", " ", "\r\n", "x", "0", "\x00"])).map("".join),
    HEX32.map(str.upper),
    st.text(max_size=40),
    JSON,
)
SIZES = st.one_of(st.integers(-3, 2**70), st.booleans(), st.floats(allow_nan=False), JSON)
ENTRIES = st.one_of(st.fixed_dictionaries({"size": SIZES, "md5": MD5S}), JSON)


@st.composite
def documents(draw):
    """Mostly near-valid documents (each field perturbed), sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    objects = draw(st.dictionaries(NAMES, ENTRIES, max_size=6))
    names = list(objects)
    if names and draw(st.booleans()):
        paths = draw(st.dictionaries(NAMES, st.sampled_from(names), max_size=4))
    else:
        paths = draw(st.dictionaries(NAMES, st.one_of(NAMES, JSON), max_size=3))
    prefix = draw(st.one_of(SAFE_PREFIXES, NAMES, JSON))
    document = {
        "version": draw(st.one_of(st.just(1), st.sampled_from([1.0, True, 2, "1", None]), JSON)),
        "fingerprint": draw(st.one_of(st.just("sha256:abc"), JSON)),
        "location": draw(
            st.one_of(st.just({"bucket": "b", "prefix": prefix}), st.just({"bucket": "b"}), JSON)
        ),
        "paths": paths,
        "objects": objects,
    }
    for key in draw(st.sets(st.sampled_from(sorted(document)), max_size=2)):
        if draw(st.integers(0, 3)) == 0:
            del document[key]
    return document


# -- properties -----------------------------------------------------------------------------------


def assert_stays_inside(name: str, prefix: str) -> None:
    """An accepted name is a plain relative path: joined to a prefix, it stays under it."""
    root = prefix or "root"
    assert isinstance(name, str) and name
    assert ".." not in name.split("/")
    assert posixpath.normpath(f"{root}/{name}").startswith(f"{root}/")
    assert not name.startswith("/")
    assert len(name.encode("utf-8")) <= MAX_NAME_LENGTH  # valid UTF-8, bounded
    assert not re.search(r"[\x00-\x1f\x7f\\]", name)


@FUZZ
@given(name=st.one_of(NAMES, JSON, st.binary(max_size=10)), prefix=SAFE_PREFIXES)
@example(name="a/../../etc/passwd", prefix="static")
@example(name="\udcff.css", prefix="static")
def test_name_problem_never_accepts_an_escaping_name(name, prefix):
    problem = name_problem(name)
    assert problem is None or (isinstance(problem, str) and problem)
    if problem is None:
        assert_stays_inside(name, prefix)


def assert_reason_is_one_short_line(exc: CacheError) -> None:
    message = str(exc)
    assert message and "\n" not in message and "\r" not in message
    assert len(message) <= 4000, f"a {len(message)}-character reason: {message[:80]}..."


def assert_trustworthy(cache: StaticCache) -> None:
    if cache.prefix:
        assert_stays_inside(cache.prefix, "bucket")
    for name in [*cache.objects, *cache.paths, *cache.paths.values()]:
        assert_stays_inside(name, cache.prefix)
    for obj in cache.objects.values():
        assert type(obj.size) is int and obj.size >= 0
        assert re.fullmatch(r"[0-9a-f]{32}", obj.md5), f"accepted md5 {obj.md5!r}"
    assert set(cache.paths.values()) <= set(cache.objects)
    # What a build writes back from it reads back the same.
    assert static_cache.parse(json.loads(cache.to_json())) == cache


VALID = {
    "version": 1,
    "fingerprint": "sha256:abc",
    "location": {"bucket": "b", "prefix": "static"},
    "paths": {"css/a.css": "css/a.0123456789ab.css"},
    "objects": {"css/a.0123456789ab.css": {"size": 1, "md5": MD5}},
}
# Accepted today: the MD5 check is re.match(r"^[0-9a-f]{32}$"), and "$" also matches before a
# final newline.
BAD_MD5 = {**VALID, "objects": {"css/a.0123456789ab.css": {"size": 1, "md5": MD5 + "\n"}}}


@FUZZ
@given(document=documents())
@example(document=VALID)
@example(document=BAD_MD5)
@example(document={**VALID, "version": "x" * 5000})
@example(document={**VALID, "paths": {"...": []}, "objects": {}})  # a name mapped to a list
def test_parse_raises_only_cache_errors_and_accepts_only_safe_caches(document):
    try:
        cache = static_cache.parse(document)
    except CacheError as exc:
        assert_reason_is_one_short_line(exc)
        return
    assert_trustworthy(cache)


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=200),
        documents().map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
        st.tuples(documents(), st.integers(0, 200)).map(
            lambda t: json.dumps(t[0]).encode("utf-8", "surrogatepass")[: t[1]]  # truncated
        ),
    )
)
@example(content=json.dumps(BAD_MD5).encode())
def test_load_raises_only_cache_errors(content, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp() / "hostile-load"
    folder.mkdir(exist_ok=True)
    path = folder / "manifest.json"
    path.write_bytes(content)
    try:
        cache = static_cache.load(str(path))
    except CacheError as exc:
        assert_reason_is_one_short_line(exc)
        return
    assert_trustworthy(cache)


# -- sizes and depths -----------------------------------------------------------------------------


def test_a_manifest_of_200000_objects_loads_within_bounds(tmp_path):
    cache = StaticCache(
        fingerprint="sha256:big",
        bucket="b",
        prefix="static",
        paths={f"lib/m{i:06d}.js": f"lib/m{i:06d}.{i:012x}.js" for i in range(100_000)},
        objects={
            **{f"lib/m{i:06d}.{i:012x}.js": StaticObject(i, MD5) for i in range(100_000)},
            **{f"lib/m{i:06d}.js": StaticObject(i, MD5) for i in range(100_000)},
        },
    )
    path = str(tmp_path / "manifest.json")
    document = {
        "version": static_cache.FORMAT_VERSION,
        "fingerprint": cache.fingerprint,
        "location": {"bucket": cache.bucket, "prefix": cache.prefix},
        "paths": cache.paths,
        "objects": {n: {"md5": o.md5, "size": o.size} for n, o in cache.objects.items()},
    }
    with open(path, "w") as handle:  # what write() makes, less its one-entry-per-line layout
        json.dump(document, handle)
    assert os.path.getsize(path) < static_cache.MAX_FILE_BYTES
    started = time.monotonic()
    assert static_cache.load(path) == cache
    assert time.monotonic() - started < 60  # seconds; about 2 s here


def test_more_entries_than_allowed_or_a_huge_file_are_refused_with_the_reason(tmp_path):
    too_many = {f"m{i}.js": {"size": 1, "md5": MD5} for i in range(MAX_ENTRIES + 1)}
    with pytest.raises(CacheError, match=f"more than {MAX_ENTRIES} entries"):
        static_cache.parse({**VALID, "objects": too_many, "paths": {}})
    path = tmp_path / "manifest.json"
    with open(path, "wb") as handle:
        handle.truncate(static_cache.MAX_FILE_BYTES + 1)  # sparse: never read
    with pytest.raises(CacheError, match="more than the 67108864 allowed"):
        static_cache.load(str(path))


@pytest.mark.parametrize("depth", [900, 5_000, 200_000])
@pytest.mark.parametrize("where", ["document", "version", "object entry"])
def test_deeply_nested_json_is_refused_without_a_recursion_error(depth, where, tmp_path):
    nested = "[" * depth + "]" * depth
    text = {
        "document": nested,
        "version": json.dumps(VALID).replace('"version": 1', f'"version": {nested}'),
        "object entry": json.dumps(VALID).replace('{"size": 1, "md5": "' + MD5 + '"}', nested),
    }[where]
    path = tmp_path / "manifest.json"
    path.write_text(text)
    with pytest.raises(CacheError) as raised:
        static_cache.load(str(path))
    assert_reason_is_one_short_line(raised.value)


# -- static folders -------------------------------------------------------------------------------


def compile_bytes(slug) -> tuple[int, bytes]:
    """bin/compile as Slug.compile runs it, but the log kept as bytes (it may not be UTF-8)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    clean.pop("PYTHONPATH", None)
    process = subprocess.run(
        [
            os.path.join(slug.buildpack, "bin", "compile"),
            slug.build_dir,
            slug.cache_dir,
            slug.env_dir,
        ],
        capture_output=True,
        timeout=300,
        env=clean,
        stdin=subprocess.DEVNULL,
    )
    return process.returncode, process.stdout + process.stderr


def bucket_objects(s3server, bucket) -> dict[str, bytes]:
    client = s3server.client()
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    }


def static_folder(slug) -> str:
    return os.path.join(slug.build_dir, "exampleapp", "static")


def test_a_file_name_that_is_not_utf8_fails_the_build_clearly_before_any_upload(
    make_slug, s3server, bucket
):
    """Today the build collects it, uploads the 268 other objects, then fails on this one with
    botocore's "'utf-8' codec can't encode character '\\udcff'", advises running the build
    again (which cannot help), and writes the raw 0xff byte into the build log."""
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket, AWS_LOCATION="static"))
    with open(os.path.join(os.fsencode(static_folder(slug)), b"\xff.css"), "wb") as handle:
        handle.write(b"body { color: red; }\n")
    code, log = compile_bytes(slug)
    assert code == 1
    text = log.decode("utf-8")  # the build log is UTF-8 text, whatever the file names
    assert "\\xff.css" in text
    assert "not valid UTF-8" in text
    assert bucket_objects(s3server, bucket) == {}  # failed before uploading anything
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))
    # The runtime, copied beside the app's process, went with the failed build.
    assert not os.path.exists(os.path.join(slug.build_dir, ".heroku", "django-s3-static"))


def test_links_out_of_a_static_folder_publish_nothing_from_outside_the_app(
    make_slug, s3server, bucket, tmp_path
):
    """Django's finders follow symbolic links. Today both links below are published: the
    outside folder's file, and /proc/self/environ as read by collectstatic's process, which holds
    every config var (SECRET_KEY, AWS_SECRET_ACCESS_KEY), in a public bucket."""
    slug = make_slug()
    django_secret = f"dss-django-secret-{uuid.uuid4().hex}"
    slug.set_config(
        **deploy_config(s3server, bucket, AWS_LOCATION="static", SECRET_KEY=django_secret)
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    outside_marker = f"outside-the-app-{uuid.uuid4().hex}"
    (outside / "private.txt").write_text(outside_marker + "\n")
    os.symlink(outside, os.path.join(static_folder(slug), "leak"))
    os.symlink("/proc/self/environ", os.path.join(static_folder(slug), "environ.txt"))
    code, log = compile_bytes(slug)
    text = log.decode("utf-8", "backslashreplace")
    objects = bucket_objects(s3server, bucket)
    from_outside = sorted(
        key
        for key, body in objects.items()
        if key.startswith(("static/leak/", "static/environ."))
        or outside_marker.encode() in body
        or django_secret.encode() in body
        or s3server.secret_key.encode() in body
    )
    assert from_outside == []
    assert django_secret not in text and s3server.secret_key not in text
    if code != 0:  # refusing is fine, if the log says which links and why
        assert "leak/private.txt" in text and "environ.txt" in text
        assert "outside" in text
