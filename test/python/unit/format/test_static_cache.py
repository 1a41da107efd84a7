import json

import pytest

from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import CacheError, StaticCache, StaticObject
from support.finders_record import valid_record

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def sample() -> StaticCache:
    return StaticCache(
        fingerprint="sha256:abc",
        bucket="bucket",
        prefix="static",
        paths={"css/site.css": "css/site.123456789abc.css", "js/a.js": "js/a.0123456789ab.js"},
        objects={
            "css/site.123456789abc.css": StaticObject(10, MD5),
            "css/site.css": StaticObject(10, MD5),
            "js/a.0123456789ab.js": StaticObject(3, MD5),
        },
    )


def test_round_trip_is_exact(tmp_path):
    path = static_cache.write(sample(), str(tmp_path))
    assert static_cache.load(path) == sample()


def test_output_is_deterministic_sorted_and_one_entry_per_line():
    text = sample().to_json()
    assert text == sample().to_json()
    lines = text.splitlines()
    object_lines = [line for line in lines if '"md5"' in line]
    assert len(object_lines) == 3
    assert object_lines == sorted(object_lines)
    assert '  "css/site.css": "css/site.123456789abc.css",' in lines
    assert json.loads(text)["version"] == static_cache.FORMAT_VERSION


def document(**changes):
    data = json.loads(sample().to_json())
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "doc, reason",
    [
        ([], "not a JSON object"),
        (document(version=2), "format version 2"),
        (document(fingerprint=""), "no fingerprint"),
        (document(location="x"), "no location"),
        (document(location={"bucket": "b", "prefix": "../up"}), "prefix is not a safe path"),
        (document(paths=[]), "no 'paths' or 'objects'"),
        (document(paths={"../x.css": "css/site.123456789abc.css"}), "'..'"),
        (document(paths={"/etc/passwd": "css/site.123456789abc.css"}), "absolute path"),
        (document(paths={"a\\b.css": "css/site.123456789abc.css"}), "backslash"),
        (document(paths={"a\x01.css": "css/site.123456789abc.css"}), "control character"),
        (document(paths={"css/x.css": "css/not-listed.css"}), "not among the objects"),
        (document(objects={"x.css": {"size": -1, "md5": MD5}}), "no valid size and MD5"),
        (document(objects={"x.css": {"size": True, "md5": MD5}}), "no valid size and MD5"),
        (document(objects={"x.css": {"size": 1, "md5": "zz"}}), "no valid size and MD5"),
        (document(objects={"x.css": 5}), "has no size and MD5"),
    ],
)
def test_malformed_documents_are_rejected_with_a_reason(doc, reason):
    with pytest.raises(CacheError, match=None) as raised:
        static_cache.parse(doc)
    assert reason in str(raised.value)


def test_missing_file(tmp_path):
    with pytest.raises(CacheError, match="no committed static cache"):
        static_cache.load(str(tmp_path / "manifest.json"))


def test_invalid_json_and_encoding(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    with pytest.raises(CacheError, match="not valid JSON"):
        static_cache.load(str(path))
    path.write_bytes(b'{"version": "\xff"}')
    with pytest.raises(CacheError, match="not UTF-8"):
        static_cache.load(str(path))


def test_deeply_nested_json_is_rejected_not_crashing(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CacheError):
        static_cache.load(str(path))


def test_oversized_file_is_rejected_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(static_cache, "MAX_FILE_BYTES", 100)
    path = static_cache.write(sample(), str(tmp_path))
    with pytest.raises(CacheError, match="more than the 100 allowed"):
        static_cache.load(path)


def test_symlinked_cache_is_not_trusted(tmp_path):
    real = static_cache.write(sample(), str(tmp_path / "real"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "manifest.json").symlink_to(real)
    with pytest.raises(CacheError, match="symbolic link"):
        static_cache.load(str(tmp_path / "cache" / "manifest.json"))


def _reference_rows(entries: dict) -> str:
    """The format as json.dumps writes each entry: what every committed cache and publish record
    digest was made from, so the faster writer must give the very same bytes."""

    def dump(value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    rows = [f"  {dump(k)}: {dump(v)}" for k, v in sorted(entries.items())]
    return "{\n" + ",\n".join(rows) + "\n }" if rows else "{}"


@pytest.mark.parametrize("seed", range(20))
def test_the_writer_gives_exactly_what_json_dumps_gives(seed):
    import random

    rng = random.Random(seed)
    alphabet = 'abZ09._-/ é漢"\\\u2028\u0001\x7f😀'
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(30)}
    objects = {
        n: StaticObject(rng.randint(0, 10**12), f"{rng.getrandbits(128):032x}") for n in names
    }
    paths = {n + ".orig": n for n in sorted(names)[:10]}
    cache = StaticCache("sha256:" + "0" * 64, "bucket", "static", paths, objects)
    text = cache.to_json()
    expected_objects = _reference_rows(
        {n: {"md5": o.md5, "size": o.size} for n, o in objects.items()}
    )
    assert f' "objects": {expected_objects},\n' in text
    assert f' "paths": {_reference_rows(paths)},\n' in text
    assert json.loads(text)["paths"] == paths  # names with control characters too, escaped


def test_the_sources_record_alone_is_read_and_checked(tmp_path):

    cache = StaticCache("sha256:" + "0" * 64, "b", "", {}, {}, valid_record())
    path = static_cache.write(cache, str(tmp_path / "with"))
    assert static_cache.load_sources_record(path) == (cache.fingerprint, valid_record())
    cache.finders = None
    path = static_cache.write(cache, str(tmp_path / "without"))
    assert static_cache.load_sources_record(path) == (cache.fingerprint, None)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"version": 2}, "not a version 1 cache"),
        ({"fingerprint": ""}, "no fingerprint"),
        ({"finders": {"apps": []}}, "'finders' section is not as written"),
    ],
)
def test_the_sources_record_refuses_what_load_refuses(tmp_path, change, reason):

    document = json.loads(
        StaticCache("sha256:" + "0" * 64, "b", "", finders=valid_record()).to_json()
    )
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**document, **change}))
    with pytest.raises(CacheError, match=reason):
        static_cache.load_sources_record(str(path))
    with pytest.raises(CacheError):
        static_cache.load(str(path))


BUILT_WITH = {
    "PIPELINE": None,
    "STATIC_URL": "/static/",
    "django": "5.2.19",
    "django-s3-static": "0.1.0",
    "pipeline": None,
    "strict_references": False,
}


def test_what_the_cache_was_built_with_round_trips_on_one_line(tmp_path):
    cache = sample()
    cache.built_with = dict(BUILT_WITH)
    text = cache.to_json()
    assert text.splitlines()[1] == f' "built_with": {json.dumps(BUILT_WITH, sort_keys=True)},'
    assert static_cache.load(static_cache.write(cache, str(tmp_path))) == cache
    assert '"built_with"' not in sample().to_json()  # older caches: absent, and still read
    assert static_cache.parse(json.loads(sample().to_json())).built_with is None


@pytest.mark.parametrize(
    "section",
    [
        [],
        "0.1.0",
        {"django": ["5.2"]},
        {"django": {"version": "5.2"}},
        {"x" * 65: "long key"},
        {"STATIC_URL": "/" * 2049},
        {f"k{i}": i for i in range(65)},
    ],
)
def test_a_malformed_built_with_section_is_not_trusted(section):
    with pytest.raises(CacheError, match="'built_with' section is malformed"):
        static_cache.parse(document(built_with=section))


DIGEST = "sha384-" + "A" * 63 + "/"


def test_encoding_and_integrity_round_trip_sorted_in_the_row(tmp_path):
    cache = sample()
    cache.objects["css/site.123456789abc.css"] = StaticObject(8, MD5, "gzip", DIGEST)
    cache.objects["js/a.0123456789ab.js"] = StaticObject(3, MD5, None, DIGEST)
    text = cache.to_json()
    assert (
        f'  "css/site.123456789abc.css": {{"encoding": "gzip", "integrity": "{DIGEST}", '
        f'"md5": "{MD5}", "size": 8}},'
    ) in text.splitlines()
    assert json.loads(text)["objects"]["css/site.css"] == {"md5": MD5, "size": 10}
    assert static_cache.load(static_cache.write(cache, str(tmp_path))) == cache


@pytest.mark.parametrize(
    "entry, reason",
    [
        ({"size": 1, "md5": MD5, "encoding": "br"}, "unknown encoding"),
        ({"size": 1, "md5": MD5, "encoding": 1}, "unknown encoding"),
        ({"size": 1, "md5": MD5, "integrity": "sha256-" + "A" * 43 + "="}, "integrity digest"),
        ({"size": 1, "md5": MD5, "integrity": DIGEST + "\n"}, "integrity digest"),
        ({"size": 1, "md5": MD5, "integrity": ["x"]}, "integrity digest"),
    ],
)
def test_malformed_encoding_or_integrity_is_rejected(entry, reason):
    with pytest.raises(CacheError) as raised:
        static_cache.parse(document(objects={"x.css": entry}))
    assert reason in str(raised.value)


def test_the_app_process_decodes_one_file_once_and_a_rewritten_one_again(tmp_path):
    cache = StaticCache("sha256:" + "1" * 64, "b", "", {}, {}, valid_record())
    path = static_cache.write(cache, str(tmp_path))
    first = static_cache.read_document(path)
    assert static_cache.read_document(path) is first  # the same file: not decoded again
    assert static_cache.load_sources_record(path) == (cache.fingerprint, valid_record())
    cache.fingerprint = "sha256:" + "2" * 64
    static_cache.write(cache, str(tmp_path))  # replaced, as a build writes it
    assert static_cache.read_document(path)["fingerprint"] == cache.fingerprint
    assert static_cache.load_sources_record(path)[0] == cache.fingerprint
