"""Listing pages and CORS documents, parsed without a server (pure logic)."""

import xml.etree.ElementTree as ElementTree

import pytest

from django_s3_static.s3 import cors_xml, listing
from django_s3_static.s3.types import RemoteObject

PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>static/</Prefix><KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys>
  <EncodingType>url</EncodingType><IsTruncated>{truncated}</IsTruncated>
  {token}
  <Contents><Key>static/a+b.css</Key><Size>3</Size>
    <ETag>&quot;900150983cd24fb0d6963f7d28e17f72&quot;</ETag>
    <LastModified>2026-11-30T08:00:00.000Z</LastModified></Contents>
  <Contents><Key>static/sub%20dir/a%2Bb%20c.css</Key><Size>1</Size><ETag>"x-2"</ETag></Contents>
  <Contents><Key>static/%C3%A7a%2Fb.js</Key><Size>2</Size><ETag>"e"</ETag></Contents>
  <Contents><Key>static/%26%3C%3E.js</Key><Size>0</Size><ETag>""</ETag></Contents>
</ListBucketResult>"""


def page(truncated: bool, token: str | None = None) -> ElementTree.Element:
    text = PAGE.format(
        truncated="true" if truncated else "false",
        token=f"<NextContinuationToken>{token}</NextContinuationToken>" if token else "",
    )
    return ElementTree.fromstring(text)


def test_url_encoded_keys_decode_as_every_service_writes_them():
    """SeaweedFS writes a space as '+', Ceph RGW as %20 (and '/' as %2F); '+' is always %2B."""
    found = dict(listing.page_objects(page(False)))
    assert sorted(found) == [
        "static/&<>.js",
        "static/a b.css",
        "static/sub dir/a+b c.css",
        "static/ça/b.js",
    ]
    first = found["static/a b.css"]
    assert (first.size, first.md5) == (3, "900150983cd24fb0d6963f7d28e17f72")
    assert first.modified == 1796025600.0
    assert found["static/sub dir/a+b c.css"].md5 is None  # a multipart ETag proves only size


def test_continuation_only_on_a_truncated_page():
    assert listing.next_token(page(True, "abc/+==")) == "abc/+=="
    assert listing.next_token(page(False, "stale")) is None
    assert listing.next_token(page(True)) is None
    assert listing.first_query("static/")["encoding-type"] == "url"


def test_cors_rules_round_trip_in_boto3_shape():
    rules = [
        {
            "ID": "fonts",
            "AllowedOrigins": ["https://a.example", "https://*.b.example"],
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 86400,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
    ]
    document = ElementTree.fromstring(cors_xml.rules_document(rules))
    assert document.tag == "{http://s3.amazonaws.com/doc/2006-03-01/}CORSConfiguration"
    assert cors_xml.parse_rules(document) == rules


def keys(count: int) -> list[str]:
    return [f"static/f{i:05d}.css" for i in range(count)]


def test_a_small_listing_is_one_range():
    assert [(r.last, r.end) for r in listing.ranges(keys(1000))] == [(None, None)]
    assert [(r.last, r.end) for r in listing.ranges([])] == [(None, None)]


def test_ranges_split_the_expected_keys_into_whole_pages():
    expected = keys(20002)  # 21 pages: 7 ranges of 3 pages
    found = listing.ranges(expected)
    assert len(found) == 7 <= listing.MAX_RANGES
    assert [r.end for r in found[:-1]] == [expected[3000 * i - 1] for i in range(1, 7)]
    assert found[0].last is None and found[-1].end is None
    assert [r.last for r in found[1:]] == [r.end for r in found[:-1]]  # each starts after one
    assert [(r.last, r.end) for r in listing.ranges(keys(2500), 2)] == [
        (None, "static/f01999.css"),
        ("static/f01999.css", None),
    ]


def entries(names: list[str]):
    return iter([(name, RemoteObject(1, '"e"', None)) for name in names])


def test_a_range_keeps_its_keys_and_stops_at_its_end():
    part = listing.RangeListing("b", "d")
    assert part.add(entries(["c"])) is True  # not at its end yet: another page
    assert part.add(entries(["d", "e", "f"])) is False  # the rest is the next range's
    assert sorted(part.objects) == ["c", "d"]
    last = listing.RangeListing("d", None)
    assert last.add(entries(["e", "f"])) is True  # the last range reads to the listing's end
    assert sorted(last.objects) == ["e", "f"]


@pytest.mark.parametrize("names", [["b", "c"], ["a"], ["c", "f", "e"]])
def test_keys_out_of_order_or_not_after_the_start_are_refused(names):
    """The service ignored start-after, or does not list in order: the caller lists plainly."""
    with pytest.raises(listing.OutOfOrder):
        listing.RangeListing("b", "z").add(entries(names))


def test_a_whole_listing_takes_keys_in_any_order():
    whole = listing.RangeListing(None, None)
    assert whole.add(entries(["c", "a", "b"])) is True
    assert sorted(whole.objects) == ["a", "b", "c"]
