from django_s3_static.format.static_cache import StaticObject
from django_s3_static.s3.compare import describe, differences, etags_are_md5s, immutable_names
from django_s3_static.s3.types import RemoteObject

MD5_A = "0" * 32
MD5_B = "1" * 32


def key(name: str) -> str:
    return f"static/{name}"


def test_complete_bucket_has_no_differences():
    objects = {"a.css": StaticObject(5, MD5_A)}
    inventory = {"static/a.css": RemoteObject(5, f'"{MD5_A}"')}
    assert differences(objects, inventory, key) == []


def test_missing_size_and_md5_differences_in_name_order():
    objects = {
        "c.css": StaticObject(5, MD5_A),
        "b.css": StaticObject(5, MD5_A),
        "a.css": StaticObject(5, MD5_A),
        "d.css": StaticObject(5, MD5_A),
    }
    inventory = {
        "static/b.css": RemoteObject(6, f'"{MD5_A}"'),
        "static/c.css": RemoteObject(5, f'"{MD5_B}"'),
        "static/d.css": RemoteObject(5, f'"{MD5_A}"'),  # this bucket's ETags are MD5s
    }
    found = [(d.name, d.reason) for d in differences(objects, inventory, key)]
    assert found == [("a.css", "missing"), ("b.css", "size"), ("c.css", "md5")]


def test_an_encrypted_bucket_proves_only_sizes():
    """SSE-KMS, DSSE-KMS and SSE-C ETags are 32 hex digits but not MD5s: no object of the
    bucket ever shows the MD5 the build knows, so only sizes are compared."""
    objects = {"a.css": StaticObject(5, MD5_A), "b.css": StaticObject(7, MD5_B)}
    kms = {
        "static/a.css": RemoteObject(5, '"8d6fa3b2c9e1f0a4b5c6d7e8f9a0b1c2"'),
        "static/b.css": RemoteObject(8, '"2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f"'),
    }
    assert etags_are_md5s(objects, kms, key) is False
    assert [(d.name, d.reason) for d in differences(objects, kms, key)] == [("b.css", "size")]


def test_multipart_etag_proves_only_the_size():
    objects = {"big.js": StaticObject(5, MD5_A)}
    inventory = {"static/big.js": RemoteObject(5, '"abcdef-3"')}
    assert differences(objects, inventory, key) == []
    assert RemoteObject(5, '"abcdef-3"').md5 is None


def test_keys_outside_the_prefix_do_not_count():
    objects = {"a.css": StaticObject(5, MD5_A)}
    assert differences(objects, {"a.css": RemoteObject(5, MD5_A)}, key)[0].reason == "missing"


def test_immutable_names_are_the_hashed_ones():
    paths = {"a.css": "a.0123456789ab.css", "plain.txt": "plain.txt"}
    assert immutable_names(paths) == {"a.0123456789ab.css"}


def test_describe_counts_and_names_the_first_few():
    objects = {f"f{i}.css": StaticObject(1, MD5_A) for i in range(5)}
    line = describe(differences(objects, {}, key))
    assert line == "5 missing in the bucket (f0.css, f1.css, f2.css and 2 more)"
