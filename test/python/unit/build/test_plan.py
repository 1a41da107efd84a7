from django_s3_static.build.plan import describe, differences, immutable_names
from django_s3_static.format.static_cache import StaticObject
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
    }
    inventory = {
        "static/b.css": RemoteObject(6, f'"{MD5_A}"'),
        "static/c.css": RemoteObject(5, f'"{MD5_B}"'),
    }
    found = [(d.name, d.reason) for d in differences(objects, inventory, key)]
    assert found == [("a.css", "missing"), ("b.css", "size"), ("c.css", "md5")]


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
