"""Listing pages and CORS documents, parsed without a server (pure logic)."""

import xml.etree.ElementTree as ElementTree

from django_s3_static.s3 import cors_xml, listing

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
