"""A ``ListObjectsV2`` page read by scanning its text, for the pages S3 servers write (pure).

A build reads every page of a prefix; ElementTree builds a tree of every element of them first.
This reads the fields the listing uses with one regular expression made from the page's first
``Contents`` entry: each server writes its entries' elements in its own order (SeaweedFS puts
``LastModified`` last, Ceph RGW and AWS second), but the same order throughout a page. Anything it
does not expect (another encoding, a comment, CDATA, attributes, an entry shaped differently from
the first, an entity other than XML's own) gives None, and the caller parses the page with
ElementTree instead (``listing.read_page``), whose answer it gives. It checks the document's frame
(declaration, root element, end), its characters and entities and every entry exactly, not the
well-formedness of the other elements (no server writes them otherwise): a truncated page is
refused, as ElementTree refuses it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The fields read of every entry.
FIELDS = ("Key", "ETag", "Size", "LastModified")

_HEAD = re.compile(
    r'\s*(?:<\?xml version=["\']1\.0["\'](?: encoding=["\'][Uu][Tt][Ff]-8["\'])?\s*\?>)?\s*'
    r'<ListBucketResult(?: xmlns="[^"<>&]*")?>'
)
#: Characters XML 1.0 does not allow (https://www.w3.org/TR/xml/#charsets): ElementTree refuses
#: a page that has them, raw or as references; UTF-8 decoding refuses surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROLS = bytes(set(range(32)) - {9, 10, 13})
_NONCHARACTERS = re.compile(b"\xef\xbf[\xbe\xbf]")
_TAIL = "</ListBucketResult>"
#: A block's pieces: an element's start or end (no attributes), or text.
_PIECE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)>|([^<]+)|(<)")
_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: A field's text in the pattern: a size is digits; an ETag's quotes, written as references, are
#: matched apart from its text (decoding each ETag would take longer than the rest of its entry).
_FIELD = {"Size": "([0-9]+)", "ETag": '(?P<q>&#34;|&quot;|"|)([^<&"]*)(?P=q)'}
_PATTERNS: dict[tuple, tuple[re.Pattern, tuple[int, ...]]] = {}


class Scanned(NamedTuple):
    """(key, ETag, size, LastModified or None) of each entry, as written (entities decoded,
    keys not URL-decoded), and the page's ``IsTruncated``, ``NextContinuationToken`` and
    ``EncodingType`` texts (None where absent)."""

    entries: list[tuple[str, str, int, str | None]]
    truncated: str | None
    token: str | None
    encoding: str | None


class Unexpected(Exception):
    """Something the scan does not read: ElementTree parses the page."""


def scan(data: bytes) -> Scanned | None:
    """The page's entries and top-level fields, or None: parse it with ElementTree."""
    if len(data.translate(None, _CONTROLS)) != len(data) or _NONCHARACTERS.search(data):
        return None  # characters XML does not allow: ElementTree refuses the page
    try:
        return _scan(data.decode("utf-8"))  # refuses UTF-8 that encodes a surrogate
    except (Unexpected, UnicodeDecodeError, ValueError):
        return None


def _scan(text: str) -> Scanned:
    head = _HEAD.match(text)
    if head is None or not text.rstrip().endswith(_TAIL) or text.count(_TAIL) != 1:
        raise Unexpected("not a plain ListBucketResult")
    if "<!" in text or text.find("<?", head.end()) >= 0 or text.find("xmlns", head.end()) >= 0:
        raise Unexpected("a comment, CDATA, a declaration or another namespace")
    if "]]>" in text or not _entities_only(text):
        raise Unexpected("text XML does not allow")
    count = text.count("<Contents>")
    if text.count("<Contents") != count:
        raise Unexpected("an entry with attributes or empty")
    entries: list[tuple[str, str, int, str | None]] = []
    if count:
        start = text.index("<Contents>")
        end = text.index("</Contents>", start) + len("</Contents>")
        pattern, (key_at, etag_at, size_at, modified_at) = _pattern(text[start:end])
        rows = pattern.findall(text)
        if len(rows) != count:
            raise Unexpected("entries shaped differently")
        if modified_at < 0:
            rows = [(*row, None) for row in rows]
            modified_at = len(rows[0]) - 1
        entries = [
            (
                row[key_at] if "&" not in row[key_at] else unescape(row[key_at]),
                f'"{row[etag_at]}"' if row[etag_at - 1] else row[etag_at],
                int(row[size_at]),
                row[modified_at],
            )
            for row in rows
        ]
    return Scanned(
        entries, _top(text, "IsTruncated"), _top(text, "NextContinuationToken"),
        _top(text, "EncodingType"),
    )  # fmt: skip


def _entities_only(text: str) -> bool:
    """Whether every ``&`` starts one of XML's own entities or a character reference (counted
    first as the quotes of ETags, most pages' only ones)."""
    ampersands = text.count("&")
    if ampersands == text.count("&#34;") + text.count("&quot;"):
        return True
    return ampersands == sum(1 for _ in _ENTITY.finditer(text))


def _top(text: str, tag: str) -> str | None:
    """The text of a top-level element met once at most (an entry has none of these)."""
    at = text.find(f"<{tag}")
    if at < 0:
        return None
    found = re.compile(f"<{tag}>([^<]*)</{tag}>").match(text, at)
    if found is None or text.find(f"<{tag}", at + 1) >= 0:
        raise Unexpected(f"{tag} more than once, or not plain text")
    return unescape(found[1]) if "&" in found[1] else found[1]


def _pattern(block: str) -> tuple[re.Pattern, tuple[int, ...]]:
    """A pattern matching an entry shaped as ``block`` (the same elements in the same order),
    capturing its fields; and where each of ``FIELDS`` is among the groups (-1: absent)."""
    pieces = [(m[1] == "/", m[2], m[3] is not None, m[4]) for m in _PIECE.finditer(block)]
    if any(stray for *_, stray in pieces):
        raise Unexpected("a '<' that does not start a plain element")
    shape = tuple((closing, name, is_text) for closing, name, is_text, _ in pieces)
    known = _PATTERNS.get(shape)
    if known is not None:
        return known
    parts: list[str] = []
    groups: list[str] = []
    depth = 0
    index = 0
    while index < len(shape):
        closing, name, is_text = shape[index]
        if is_text:
            parts.append("[^<]*")
        elif closing:
            depth -= 1
            parts.append(f"</{name}>")
        else:
            depth += 1
            following = shape[index + 1 : index + 3]
            if depth == 2 and name in FIELDS and name not in groups:
                # A field: its text (maybe empty), then its end; nothing nested.
                if following[:1] == ((True, name, False),):
                    index += 1
                elif following == ((False, None, True), (True, name, False)):
                    index += 2
                else:
                    raise Unexpected(f"{name} holds elements")
                groups.append(name)
                parts.append(f"<{name}>{_FIELD.get(name, '([^<]*)')}</{name}>")
                depth -= 1
            else:
                parts.append(f"<{name}>")
        index += 1
    if "Key" not in groups or "ETag" not in groups or "Size" not in groups:
        raise Unexpected("an entry without a key, ETag or size")
    expression = "".join(parts)
    groups.insert(groups.index("ETag"), "quote")  # the ETag's two groups
    order = tuple(groups.index(name) if name in groups else -1 for name in FIELDS)
    found = (re.compile(expression), order)
    if len(_PATTERNS) < 16:
        _PATTERNS[shape] = found
    return found


def unescape(text: str) -> str:
    """XML's own entities and character references decoded; any other ``&`` is Unexpected."""

    def one(match: re.Match) -> str:
        hexadecimal, decimal, named = match.groups()
        if named:
            return _NAMED[named]
        return chr(int(hexadecimal, 16) if hexadecimal else int(decimal))

    if "&" in _ENTITY.sub("", text):
        raise Unexpected("an entity XML does not define")
    decoded = _ENTITY.sub(one, text)
    if _NOT_XML.search(decoded):
        raise Unexpected("a reference to a character XML does not allow")
    return decoded
