"""The answers AWS S3 documents where SeaweedFS answers otherwise, as pure functions and data."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import html
import re
import urllib.parse
from collections.abc import Callable

from support.faultproxy import Message

# Every answer below is one AWS documents; the page is named with each.

#: SSE-KMS, DSSE-KMS and SSE-C objects: "have ETags that are not an MD5 digest of their object
#: data" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html, ETag).
KMS = "kms_etags"
#: ``encoding-type=url``: "Amazon S3 ... returns encoded key name values in the following response
#: elements: Delimiter, Prefix, Key, and StartAfter"
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html, EncodingType). The
#: encoding is form encoding, a space written ``+``: botocore decodes these listings with
#: ``unquote_plus``.
PLUS = "plus_spaces"
#: "If a conflicting operation occurs during the upload S3 returns a 409
#: ConditionalRequestConflict response. On a 409 failure you should retry the upload."
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, If-None-Match, and
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)
CONFLICT = "conflict_409"
#: ``NotImplemented``, 501: "A header you provided implies functionality that is not
#: implemented" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), what a
#: store without conditional writes answers to ``If-None-Match``.
NO_CONDITIONAL = "no_conditional"
#: ``PermanentRedirect``, 301: "The bucket that you are attempting to access must be addressed
#: using the specified endpoint" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html;
#: https://docs.aws.amazon.com/AmazonS3/latest/API/UsingRouting.html), with the bucket's region in
#: ``x-amz-bucket-region`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
REGION = "region"
#: "The Content-MD5 request header is required for all Multi-Object Delete requests"
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html); MinIO enforces it
#: with ``MissingContentMD5`` (https://github.com/minio/minio/issues/4383).
DELETE_MD5 = "require_md5_on_delete"
#: "Access denied (HTTP 403 Forbidden) errors appear when AWS explicitly or implicitly denies an
#: authorization request" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html);
#: "You must have READ access to the object" / "the s3:GetObject permission" to read it
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions).
DENY_GET = "deny_get_object"
#: "List results are always returned in UTF-8 binary order"
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html), but StartAfter "is not
#: supported for directory buckets" (API_ListObjectsV2.html), and S3 work-alikes added
#: ``start-after`` late (s3rver 3.1.0: "for v2 this adds start-after",
#: https://github.com/jamhall/s3rver/releases/tag/v3.1.0).
UNORDERED = "unordered_listing"


@dataclasses.dataclass(frozen=True)
class Behaviours:
    kms_etags: bool = False
    plus_spaces: bool = False
    conflict_409: bool = False
    no_conditional: bool = False
    region: str | None = None
    require_md5_on_delete: bool = False
    deny_get_object: bool = False
    unordered_listing: bool = False


@dataclasses.dataclass(frozen=True)
class Refusal:
    """An error answer made by the proxy: the ``behaved`` counter it adds to, and what S3 sends."""

    counter: str
    status: int
    code: str
    message: str
    extra: str = ""  # more elements of the XML error
    headers: tuple[tuple[str, str], ...] = ()


ERROR_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
    "<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
)
REASONS = {
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    409: "Conflict",
    501: "Not Implemented",
}
_SCOPE = re.compile(r"^[^/]+/\d{8}/([^/]+)/s3/aws4_request$")
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
#: Subresources of a PUT that are not object writes (no ``If-None-Match`` there).
NOT_OBJECT_WRITES = {"acl", "tagging", "retention", "legal-hold", "partNumber", "uploadId"}


def kms_etag(seed: int, key: str, md5: str) -> str:
    """The ETag a KMS-encrypted object shows: 32 hex digits, stable, never the content's MD5."""
    return hashlib.md5(f"sse-kms|{seed}|{key}|{md5}".encode()).hexdigest()


def aws_url_encode(value: str) -> str:
    """A key as AWS writes it in an ``encoding-type=url`` listing: form encoding, ``/`` kept.

    "the object test_file(3).png will appear as test_file%283%29.png"
    (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-encoding-type)
    """
    return urllib.parse.quote_plus(value, safe="/")


def md5_of(etag: str) -> str | None:
    value = etag.strip().strip('"').lower()
    return value if re.fullmatch(r"[0-9a-f]{32}", value) else None


def xml_element(element: str, value: str) -> str:
    return f"<{element}>{value}</{element}>"


_LISTING_PARTS = re.compile(
    r"<Contents>.*?</Contents>|<CommonPrefixes>.*?</CommonPrefixes>"
    r"|<(Prefix|StartAfter|Delimiter)>(.*?)</\1>",
    re.S,
)


_CONTENTS = re.compile(r"<Contents>.*?</Contents>", re.S)


def reverse_contents(document: str) -> str:
    """A ``ListBucketResult`` with its ``Contents`` entries in the reverse order (pure)."""
    entries = _CONTENTS.findall(document)
    backwards = iter(reversed(entries))
    return _CONTENTS.sub(lambda _match: next(backwards), document)


def rewrite_listing(
    document: str,
    query: dict[str, str],
    etag_for: Callable[[str, str], str] | None,
    plus_spaces: bool,
    counts: collections.Counter,
) -> str:
    """A ``ListBucketResult`` as AWS would write it (pure): KMS ETags when ``etag_for`` is given,
    AWS's URL encoding of the keys when ``plus_spaces`` and the request asked for it."""
    upstream_encoded = "<EncodingType>url</EncodingType>" in document
    encode = plus_spaces and query.get("encoding-type") == "url"

    def key_of(raw: str) -> str:
        return urllib.parse.unquote_plus(raw) if upstream_encoded else html.unescape(raw)

    def write_key(key: str, raw: str) -> str:
        if not encode:
            return raw
        if " " in key or "+" in key:
            counts["plus_spaces"] += 1
        return aws_url_encode(key)

    def part(match: re.Match) -> str:
        text = match.group(0)
        if match.group(1):  # a top-level element: its value as the request sent it
            name = match.group(1)
            asked = {"Prefix": "prefix", "StartAfter": "start-after", "Delimiter": "delimiter"}
            if encode and asked[name] in query:
                return xml_element(name, aws_url_encode(query[asked[name]]))
            return text
        if text.startswith("<CommonPrefixes>"):
            found = re.search(r"<Prefix>(.*?)</Prefix>", text, re.S)
            if found is None:
                return text
            prefix = write_key(key_of(found.group(1)), found.group(1))
            return text.replace(found.group(0), xml_element("Prefix", prefix))
        found_key = re.search(r"<Key>(.*?)</Key>", text, re.S)
        if found_key is None:
            return text
        key = key_of(found_key.group(1))
        out = text.replace(
            found_key.group(0), xml_element("Key", write_key(key, found_key.group(1)))
        )
        found_etag = re.search(r"<ETag>(.*?)</ETag>", out, re.S)
        md5 = md5_of(html.unescape(found_etag.group(1))) if found_etag else None
        if etag_for is not None and found_etag is not None and md5 is not None:
            etag = etag_for(key, md5)
            out = out.replace(found_etag.group(0), xml_element("ETag", f"&quot;{etag}&quot;"))
            counts["listed_kms_etag"] += 1
        return out

    return _LISTING_PARTS.sub(part, document)


def signed_region(request: Message, query: dict[str, str]) -> str | None:
    """The region of a SigV4 request's credential scope; None when it is not signed."""
    found = _CREDENTIAL.search(request.header("Authorization") or "")
    credential = found.group(1) if found else query.get("X-Amz-Credential")
    scope = _SCOPE.match(credential or "")
    return scope.group(1) if scope else None
