"""Reading ``ListObjectsV2`` pages: key, size, ETag and date of every object (pure).

Keys are asked for with ``encoding-type=url`` (a key may hold characters XML 1.0 cannot carry).
Services disagree on the encoding: SeaweedFS writes a space as ``+``, Ceph RGW as ``%20``, and a
literal ``+`` is always ``%2B``, so ``unquote_plus`` decodes every one of them.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

from .transport import namespace, timestamp
from .types import RemoteObject

PAGE_SIZE = 1000


def first_query(prefix: str) -> dict[str, str]:
    return {
        "list-type": "2",
        "prefix": prefix,
        "max-keys": str(PAGE_SIZE),
        "encoding-type": "url",
    }


def page_objects(page: ElementTree.Element) -> Iterator[tuple[str, RemoteObject]]:
    """(key, object) for every ``Contents`` entry of one page."""
    ns = namespace(page)
    encoded = page.findtext(f"{ns}EncodingType") == "url"
    for item in page.iter(f"{ns}Contents"):
        key = item.findtext(f"{ns}Key") or ""
        modified = item.findtext(f"{ns}LastModified")
        yield (
            urllib.parse.unquote_plus(key) if encoded else key,
            RemoteObject(
                int(item.findtext(f"{ns}Size") or 0),
                item.findtext(f"{ns}ETag") or "",
                timestamp(modified) if modified else None,
            ),
        )


def next_token(page: ElementTree.Element) -> str | None:
    """The continuation token of a truncated page; None on the last page."""
    ns = namespace(page)
    token = page.findtext(f"{ns}NextContinuationToken")
    return token if page.findtext(f"{ns}IsTruncated") == "true" and token else None
