"""A listing page read by scanning its text gives what ElementTree gives, or leaves it to it."""

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from django_s3_static.s3 import listing, listing_scan

PAGES = Path(__file__).parents[3] / "fixtures" / "listing_pages"
#: The captured page ElementTree refuses: Ceph writes a control character as ``&#x01;``.
REFUSED = {"ceph-plain-1.xml"}
NS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def by_element_tree(data: bytes) -> listing.Page | None:
    try:
        element = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    return listing.Page(list(listing.page_objects(element)), listing.next_token(element))


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.xml")))
def test_pages_servers_wrote_read_as_element_tree_reads_them(name):
    data = (PAGES / name).read_bytes()
    assert listing.read_page(data) == by_element_tree(data)
    assert (listing_scan.scan(data) is None) == (name in REFUSED)


def test_hostile_keys_of_both_servers_decode_alike():
    """SeaweedFS and Ceph RGW encode keys differently (``+`` or ``%20``, ``%2F``, ``&apos;``)."""
    found = {}
    for server in ("seaweedfs", "ceph"):
        pages = sorted(PAGES.glob(f"{server}-url-[0-9].xml"))
        found[server] = [key for p in pages for key, _ in listing.read_page(p.read_bytes()).objects]
    assert found["seaweedfs"] == found["ceph"]
    assert {"static/&<>\"'.js", "static/a b.css", "static/a+b.css", "static/%41%2F.css"} <= set(
        found["ceph"]
    )
    assert "static/ça/ü 😀.js" in found["ceph"] and "static/ctl\x01.css" in found["ceph"]


def entry(key: str, size: int = 1, etag: str = "&quot;0123456789abcdef0123456789abcdef&quot;"):
    return (
        f"<Contents><Key>{key}</Key><LastModified>2026-11-30T08:00:00.000Z</LastModified>"
        f"<ETag>{etag}</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><Size>{size}</Size>"
        "<Owner><ID>abc</ID><DisplayName></DisplayName></Owner><StorageClass>STANDARD</StorageClass>"
        "</Contents>"
    )


def document(*entries: str, extra: str = "", root: str = f"<ListBucketResult{NS}>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{root}<Name>b</Name><Prefix>static/</Prefix><IsTruncated>true</IsTruncated>{extra}"
        f"{''.join(entries)}<NextContinuationToken>t&amp;+/=</NextContinuationToken>"
        "<EncodingType>url</EncodingType></ListBucketResult>"
    ).encode()


def test_an_aws_shaped_page_is_scanned_with_nested_elements_and_entities():
    data = document(
        entry("static/a%20b.css", 3),
        entry("static/%26amp%3B&amp;&lt;&#233;&#x1F600;.js", 0, "&#34;x-2&#34;"),
        entry("static/e.js", 12, ""),
    )
    scanned = listing_scan.scan(data)
    assert scanned is not None and scanned.token == "t&+/="
    page = listing.read_page(data)
    assert page == by_element_tree(data)
    keys = [key for key, _ in page.objects]
    assert keys == ["static/a b.css", "static/&amp;&<é😀.js", "static/e.js"]
    assert page.objects[0][1].md5 == "0123456789abcdef0123456789abcdef"
    assert page.objects[1][1].etag == '"x-2"' and page.objects[1][1].md5 is None


def test_a_page_of_many_entries_is_scanned_with_one_pattern():
    data = document(*(entry(f"static/f{i:04d}.css", i) for i in range(1000)))
    scanned = listing_scan.scan(data)
    assert scanned is not None and len(scanned.entries) == 1000
    assert listing.read_page(data) == by_element_tree(data)


@pytest.mark.parametrize(
    "data",
    [
        document(entry("a"), entry("b").replace("<Size>", "<!-- c --><Size>")),  # a comment
        document(entry("a"), entry("b").replace("<Key>b", "<Key><![CDATA[b]]>")),  # CDATA
        document(entry("a"), entry("b").replace("<Contents>", '<Contents id="1">')),
        document(entry("a"), entry("b").replace("<ETag>", " <ETag>")),  # shaped otherwise
        document(entry("a"), entry("b").replace("</Size>", "</Size><Size>2</Size>")),
        document(entry("a"), entry("b").replace("<Owner>", "<Owner xmlns='x'>")),
        document(entry("a&nbsp;b")),  # an entity XML does not define: ElementTree refuses it
        document(entry("a&#1;b")),  # a character XML does not allow: refused likewise
        document(entry("a\x01b")),
        document(entry("a]]>b")),
        document(entry("a"), extra="<IsTruncated>false</IsTruncated>"),
        document(entry("a"), root='<ListBucketResult xmlns:s3="x">'),
        document(entry("a"), root="<s3:ListBucketResult>"),
        document(entry("a"))[:-30],  # truncated: ElementTree refuses it and the request is retried
        document(entry("a")).replace(b"UTF-8", b"ISO-8859-1"),
        document(entry("a").replace("<Size>1", "<Size> 1")),
    ],
)
def test_anything_unexpected_is_left_to_element_tree(data):
    assert listing_scan.scan(data) is None
    assert listing.read_page(data) == by_element_tree(data)


def test_an_empty_last_page_and_a_page_without_namespace():
    data = b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
    assert listing_scan.scan(data) == listing_scan.Scanned([], "false", None, None)
    assert listing.read_page(data) == listing.Page([], None)
    plain = document(entry("k")).replace(NS.encode(), b"")
    assert listing_scan.scan(plain) is not None
    assert listing.read_page(plain) == by_element_tree(plain)
