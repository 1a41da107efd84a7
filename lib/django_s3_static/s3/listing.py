"""Reading ``ListObjectsV2`` pages: key, size, ETag and date of every object (pure).

``unquote_plus`` decodes the keys of every service (``+`` or ``%20`` for a space:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). S3 lists in UTF-8 binary
order (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html), so expected keys
split a listing into ranges read at once; a range out of order (no ``StartAfter``) falls back to
the plain way. A page is read by ``listing_scan`` where it can, else by ElementTree.
"""

from __future__ import annotations

import math
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .listing_scan import scan
from .transport import namespace, timestamp, xml_or_none
from .types import RemoteObject

PAGE_SIZE = 1000
#: Ranges listed at once, at most: a listing waits on S3's answers, not on this machine.
MAX_RANGES = 8


def first_query(prefix: str) -> dict[str, str]:
    return {
        "list-type": "2",
        "prefix": prefix,
        "max-keys": str(PAGE_SIZE),
        "encoding-type": "url",
    }


class Page(NamedTuple):
    """What the listing reads of one page: its objects and its continuation token."""

    objects: list[tuple[str, RemoteObject]]
    token: str | None


def read_page(data: bytes) -> Page | None:
    """One page's answer read (``listing_scan``, else ElementTree); None if it is not XML."""
    found = scan(data)
    if found is None:
        element = xml_or_none(data)
        return None if element is None else Page(list(page_objects(element)), next_token(element))
    encoded = found.encoding == "url"
    dates: dict[str | None, float | None] = {None: None, "": None}
    objects = []
    for key, etag, size, modified in found.entries:
        when = dates.get(modified, _UNREAD)
        if when is _UNREAD:
            when = dates[modified] = timestamp(modified)
        if encoded and ("%" in key or "+" in key):
            key = urllib.parse.unquote_plus(key)
        objects.append((key, RemoteObject(size, etag, when)))
    token = found.token if found.truncated == "true" and found.token else None
    return Page(objects, token)


def page_objects(page: ElementTree.Element) -> Iterator[tuple[str, RemoteObject]]:
    """(key, object) for every ``Contents`` entry of one page; each distinct date read once
    (objects uploaded together share theirs)."""
    ns = namespace(page)
    encoded = page.findtext(f"{ns}EncodingType") == "url"
    key_tag, size_tag, etag_tag = f"{ns}Key", f"{ns}Size", f"{ns}ETag"
    modified_tag = f"{ns}LastModified"
    dates: dict[str | None, float | None] = {None: None, "": None}
    for item in page.iter(f"{ns}Contents"):
        key = item.findtext(key_tag) or ""
        modified = item.findtext(modified_tag)
        when = dates.get(modified, _UNREAD)
        if when is _UNREAD:
            when = dates[modified] = timestamp(modified)
        yield (
            urllib.parse.unquote_plus(key) if encoded and ("%" in key or "+" in key) else key,
            RemoteObject(int(item.findtext(size_tag) or 0), item.findtext(etag_tag) or "", when),
        )


_UNREAD = object()


def next_token(page: ElementTree.Element) -> str | None:
    """The continuation token of a truncated page; None on the last page."""
    ns = namespace(page)
    token = page.findtext(f"{ns}NextContinuationToken")
    return token if page.findtext(f"{ns}IsTruncated") == "true" and token else None


def boundaries(expected: Sequence[str], ranges: int = MAX_RANGES) -> list[str]:
    """Keys that split a listing of sorted ``expected`` into at most ``ranges`` ranges of pages."""
    pages = math.ceil(len(expected) / PAGE_SIZE)
    count = min(ranges, pages)
    if count < 2:
        return []
    per = math.ceil(pages / count) * PAGE_SIZE
    return [expected[index * per - 1] for index in range(1, count) if index * per < len(expected)]


def ranges(expected: Sequence[str], count: int = MAX_RANGES) -> list[RangeListing]:
    """The ranges a listing of ``expected`` (sorted) is read in: one, or one per boundary."""
    ends = boundaries(expected, count)
    return [RangeListing(a, b) for a, b in zip([None, *ends], [*ends, None], strict=True)]


class OutOfOrder(Exception):
    """A range's keys did not come in ascending order after its start: list the plain way."""


class RangeListing:
    """The keys of one range, ``(start, end]``; ``add`` says whether it needs another page."""

    def __init__(self, start: str | None, end: str | None) -> None:
        self.end = end
        self.last = start
        self.ordered = start is not None or end is not None  # a whole listing needs no order
        self.objects: dict[str, RemoteObject] = {}
        self.requests = 0

    def add(self, objects: Iterator[tuple[str, RemoteObject]]) -> bool:
        for key, found in objects:
            if self.ordered and self.last is not None and key <= self.last:
                raise OutOfOrder(key)
            self.last = key
            if self.end is not None and key > self.end:
                return False  # the next range's: it lists them itself
            self.objects[key] = found
        return self.end is None or self.last is None or self.last < self.end
