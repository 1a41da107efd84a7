"""A proxy in front of the local S3 server that answers as AWS S3 is documented to where SeaweedFS
does not, and a tiny forward HTTP proxy (what ``HTTP_PROXY`` names) for the proxy settings.

``AwsProxy`` is a ``FaultProxy`` (same listener on 127.0.0.1 and a free port, same framing,
``Expect: 100-continue``, records, counters, ``wait_idle`` and a ``stop()`` that joins every
thread): it replaces only ``_forward``, the step that turns one request into one answer. There it
either answers by itself, as AWS would, without reaching the server, or forwards and then rewrites
the answer. Each behaviour is switched per test (``AwsProxy(url, kms_etags=True)`` or
``proxy.behave(region="eu-west-1")``), and they combine with the fault proxy's own faults:

- ``kms_etags``: objects carry a deterministic 32-hex ETag that is not the MD5 of their content,
  in PUT, GET and HEAD answers and in listings, as in a bucket encrypted with SSE-KMS or SSE-C;
- ``plus_spaces``: listings asked for with ``encoding-type=url`` encode keys as AWS does (a space
  is ``+``, a literal ``+`` is ``%2B``, in every segment), and ``Prefix``, ``StartAfter`` and
  ``Delimiter`` too;
- ``conflict_409``: the first ``If-None-Match`` PUT of each key is answered
  ``409 ConditionalRequestConflict`` (nothing written); later ones are forwarded;
- ``no_conditional``: every PUT with ``If-None-Match`` is answered ``501 NotImplemented``, as a
  store without conditional writes does;
- ``region``: the bucket's region: a request signed (SigV4 credential scope, in the
  ``Authorization`` header or a presigned URL's ``X-Amz-Credential``) for another region is
  answered ``301 PermanentRedirect`` with ``x-amz-bucket-region``; unsigned requests pass;
- ``require_md5_on_delete``: ``DeleteObjects`` (``POST ?delete``) without ``Content-MD5`` is
  answered ``400 MissingContentMD5``, as MinIO does;
- ``deny_get_object``: every signed GET or HEAD of an object is answered ``403 AccessDenied``, as
  for keys whose policy grants ``s3:ListBucket`` and ``s3:PutObject`` but not ``s3:GetObject``
  (listings pass);
- ``unordered_listing``: each listing page holds its keys in descending order, as a service that
  does not keep S3's order (or that ignores ``start-after`` and lists from the first key) breaks
  what a listing in ranges relies on.

Path-style requests only (``/bucket/key``), which is what a custom endpoint gets. Seeded: the
ETags are derived from ``(seed, key, MD5)``, so the same content under the same key always shows
the same ETag, in every answer and every run, whatever the order of the requests. Bounded: at most
one 409 per key, every answer is made from one request and at most one upstream answer, and the
fault proxy's timeouts and ``stop()`` apply. ``behaved`` counts what each behaviour did (answers
made here, ETags and keys rewritten, signed requests let through); ``deletes`` keeps the keys of
each DeleteObjects and its status; ``records`` and ``counts`` are the fault proxy's.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gzip
import hashlib
import html
import http.client
import http.server
import ipaddress
import re
import socketserver
import threading
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable

from support.faultproxy import FaultProxy, Message, Record

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
_REASONS = {
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    409: "Conflict",
    501: "Not Implemented",
}
_SCOPE = re.compile(r"^[^/]+/\d{8}/([^/]+)/s3/aws4_request$")
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
#: Subresources of a PUT that are not object writes (no ``If-None-Match`` there).
_NOT_OBJECT_WRITES = {"acl", "tagging", "retention", "legal-hold", "partNumber", "uploadId"}


def kms_etag(seed: int, key: str, md5: str) -> str:
    """The ETag a KMS-encrypted object shows: 32 hex digits, stable, never the content's MD5."""
    return hashlib.md5(f"sse-kms|{seed}|{key}|{md5}".encode()).hexdigest()


def aws_url_encode(value: str) -> str:
    """A key as AWS writes it in an ``encoding-type=url`` listing: form encoding, ``/`` kept.

    "the object test_file(3).png will appear as test_file%283%29.png"
    (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-encoding-type)
    """
    return urllib.parse.quote_plus(value, safe="/")


def _md5_of(etag: str) -> str | None:
    value = etag.strip().strip('"').lower()
    return value if re.fullmatch(r"[0-9a-f]{32}", value) else None


def _text(element: str, value: str) -> str:
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
                return _text(name, aws_url_encode(query[asked[name]]))
            return text
        if text.startswith("<CommonPrefixes>"):
            found = re.search(r"<Prefix>(.*?)</Prefix>", text, re.S)
            if found is None:
                return text
            prefix = write_key(key_of(found.group(1)), found.group(1))
            return text.replace(found.group(0), _text("Prefix", prefix))
        found_key = re.search(r"<Key>(.*?)</Key>", text, re.S)
        if found_key is None:
            return text
        key = key_of(found_key.group(1))
        out = text.replace(found_key.group(0), _text("Key", write_key(key, found_key.group(1))))
        found_etag = re.search(r"<ETag>(.*?)</ETag>", out, re.S)
        md5 = _md5_of(html.unescape(found_etag.group(1))) if found_etag else None
        if etag_for is not None and found_etag is not None and md5 is not None:
            etag = etag_for(key, md5)
            out = out.replace(found_etag.group(0), _text("ETag", f"&quot;{etag}&quot;"))
            counts["listed_kms_etag"] += 1
        return out

    return _LISTING_PARTS.sub(part, document)


class AwsProxy(FaultProxy):
    """The fault proxy, answering as AWS S3 where the behaviours say so (see the module)."""

    def __init__(self, upstream: str, seed: int = 0, **behaviours: object) -> None:
        super().__init__(upstream, seed=seed)
        self.behaviours = Behaviours(**behaviours)
        #: What the behaviours did: answers made here, ETags and keys rewritten, requests passed.
        self.behaved: collections.Counter = collections.Counter()
        #: Keys (``bucket/key``) of every DeleteObjects request, with the status it got.
        self.deletes: list[tuple[list[str], int]] = []
        self._conflicted: set[str] = set()
        self._answers = 0

    def behave(self, **changes: object) -> None:
        """Switch behaviours on or off while running: ``behave(kms_etags=True, region=None)``."""
        with self._lock:
            self.behaviours = dataclasses.replace(self.behaviours, **changes)
            if changes.get("conflict_409"):
                self._conflicted.clear()  # every key meets its first 409 again

    def kms_etag(self, key: str, md5: str) -> str:
        """The ETag this proxy shows for ``key`` (without the bucket) holding content ``md5``."""
        return kms_etag(self.seed, key, md5)

    def reset_counters(self) -> None:
        super().reset_counters()
        with self._lock:
            self.behaved.clear()
            self.deletes.clear()

    # -- one request, one answer --------------------------------------------------------------

    def _forward(self, request: Message, method: str, record: Record) -> tuple[Message, bool]:
        with self._lock:
            rules = self.behaviours
        target = urllib.parse.urlsplit(request.start.split(" ")[1])
        query = dict(urllib.parse.parse_qsl(target.query, keep_blank_values=True))
        bucket, _, key = urllib.parse.unquote(target.path).lstrip("/").partition("/")
        refused = self._refusal(request, method, bucket, key, query, rules)
        if refused is not None:
            with self._lock:
                self.behaved[refused.counter] += 1
            record.action, record.status = refused.counter, refused.status
            if method == "POST" and "delete" in query:
                self._note_delete(request, bucket, refused.status)
            return self._error(method, refused), True
        response, keep = super()._forward(request, method, record)
        if method == "POST" and "delete" in query:
            self._note_delete(request, bucket, record.status or 0)
        if rules.kms_etags and key:
            self._kms_headers(response, key)
        if (rules.kms_etags or rules.plus_spaces) and method == "GET" and not key:
            self._rewrite_listing(response, query, rules)
        if rules.unordered_listing and method == "GET" and not key and "list-type" in query:
            self._reverse_listing(response)
        return response, keep

    def _refusal(
        self,
        request: Message,
        method: str,
        bucket: str,
        key: str,
        query: dict[str, str],
        rules: Behaviours,
    ) -> Refusal | None:
        """The answer S3 would make without doing the request, or None to forward it.

        In the order S3 checks: the signature's region, the request's headers, the condition.
        """
        if rules.region is not None:
            signed_for = _signed_region(request, query)
            if signed_for is not None and signed_for != rules.region:
                endpoint = f"s3.{rules.region}.amazonaws.com"
                return Refusal(
                    "permanent_redirect_301",
                    301,
                    "PermanentRedirect",
                    "The bucket you are attempting to access must be addressed using the "
                    "specified endpoint. Please send all future requests to this endpoint.",
                    _text("Bucket", bucket) + _text("Endpoint", endpoint),
                    (("x-amz-bucket-region", rules.region),),
                )
            if signed_for is not None:
                with self._lock:
                    self.behaved["signed_for_region"] += 1
        signed = request.header("Authorization") is not None or "X-Amz-Signature" in query
        if rules.deny_get_object and method in ("GET", "HEAD") and key and signed:
            return Refusal("access_denied_403", 403, "AccessDenied", "Access Denied")
        if method == "POST" and "delete" in query and not key:
            has_md5 = request.header("Content-MD5") is not None
            with self._lock:
                self.behaved["delete_with_md5" if has_md5 else "delete_without_md5"] += 1
            if rules.require_md5_on_delete and not has_md5:
                return Refusal(
                    "missing_md5_400",
                    400,
                    "MissingContentMD5",
                    "Missing required header for this request: Content-Md5.",
                )
        conditional = request.header("If-None-Match") is not None
        if method == "PUT" and key and conditional and not (_NOT_OBJECT_WRITES & set(query)):
            if rules.no_conditional:
                return Refusal(
                    "not_implemented_501",
                    501,
                    "NotImplemented",
                    "A header you provided implies functionality that is not implemented",
                    _text("Header", "If-None-Match"),
                )
            if rules.conflict_409:
                with self._lock:
                    first = f"{bucket}/{key}" not in self._conflicted
                    self._conflicted.add(f"{bucket}/{key}")
                if first:
                    return Refusal(
                        "conflict_409",
                        409,
                        "ConditionalRequestConflict",
                        "A conflicting conditional operation is currently in progress against "
                        "this resource. Please try again.",
                    )
        return None

    def _error(self, method: str, refusal: Refusal) -> Message:
        with self._lock:
            self._answers += 1
            number = self._answers
        request_id = f"AWSPROXY{number:08d}"
        host_id = hashlib.sha256(f"{self.seed}|{number}".encode()).hexdigest()[:40]
        body = b""
        if method != "HEAD":  # S3 answers a HEAD's error with its status and headers only
            body = ERROR_BODY.format(
                code=refusal.code,
                message=refusal.message,
                extra=refusal.extra,
                request_id=request_id,
                host_id=host_id,
            ).encode()
        all_headers = [
            ("x-amz-request-id", request_id),
            ("x-amz-id-2", host_id),
            ("Content-Type", "application/xml"),
            ("Server", "AmazonS3"),
            *refusal.headers,
        ]
        status = f"HTTP/1.1 {refusal.status} {_REASONS[refusal.status]}"
        return Message(status, all_headers, body, body)

    def _kms_headers(self, response: Message, key: str) -> None:
        """The object's ETag as an SSE-KMS bucket shows it (and no SeaweedFS-only copy of it)."""
        etag = response.header("ETag")
        md5 = _md5_of(etag) if etag else None
        if md5 is None:
            return
        response.headers = response.without("ETag", "Seaweed-X-Amz-ETag")
        response.headers.append(("ETag", f'"{self.kms_etag(key, md5)}"'))
        with self._lock:
            self.behaved["kms_etag"] += 1

    def _rewrite_listing(self, response: Message, query: dict[str, str], rules: Behaviours) -> None:
        body = response.body
        if (response.header("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        if b"<ListBucketResult" not in body[:400]:
            return
        counts: collections.Counter = collections.Counter()
        etag_for = self.kms_etag if rules.kms_etags else None
        text = rewrite_listing(body.decode(), query, etag_for, rules.plus_spaces, counts)
        framing = ("Content-Length", "Transfer-Encoding", "Content-Encoding")
        response.headers = response.without(*framing)
        response.raw_body = response.body = text.encode()
        with self._lock:
            self.behaved.update(counts)

    def _reverse_listing(self, response: Message) -> None:
        body = response.body
        if (response.header("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        text = reverse_contents(body.decode())
        framing = ("Content-Length", "Transfer-Encoding", "Content-Encoding")
        response.headers = response.without(*framing)
        response.raw_body = response.body = text.encode()
        with self._lock:
            self.behaved[UNORDERED] += 1

    def _note_delete(self, request: Message, bucket: str, status: int) -> None:
        keys: list[str] = []
        with contextlib.suppress(ElementTree.ParseError):
            document = ElementTree.fromstring(request.body)
            keys = [f"{bucket}/{e.text}" for e in document.iter() if e.tag.endswith("Key")]
        with self._lock:
            self.deletes.append((keys, status))


def _signed_region(request: Message, query: dict[str, str]) -> str | None:
    """The region of a SigV4 request's credential scope; None when it is not signed."""
    found = _CREDENTIAL.search(request.header("Authorization") or "")
    credential = found.group(1) if found else query.get("X-Amz-Credential")
    scope = _SCOPE.match(credential or "")
    return scope.group(1) if scope else None


# -- HTTP_PROXY ----------------------------------------------------------------------------------

_HOP_BY_HOP = {
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
}


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # server_close() joins every connection's thread
    block_on_close = True


class ForwardProxy:
    """A forward HTTP proxy on 127.0.0.1 (a free port), what ``HTTP_PROXY`` points at.

    It takes requests in absolute form (``PUT http://host:port/path HTTP/1.1``), forwards each to
    that origin (loopback only: anything else is refused with 403) and counts them: ``counts`` by
    method, ``origins`` by ``host:port``, ``targets`` in order. A request in origin form (a
    client that did not take this for a proxy) gets 400.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout  # an idle client connection is closed after this
        self._lock = threading.Lock()
        self.counts: collections.Counter = collections.Counter()
        self.origins: collections.Counter = collections.Counter()
        self.targets: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ForwardProxy:
        proxy = self

        class Handler(_ForwardHandler):
            owner = proxy
            timeout = proxy.timeout

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="fwdproxy"
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()  # joins the connections' threads
        if self._thread is not None:
            self._thread.join(10)
            if self._thread.is_alive():
                raise RuntimeError("forward proxy thread still running")

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def note(self, method: str, origin: str, target: str) -> None:
        with self._lock:
            self.counts[method] += 1
            self.origins[origin] += 1
            self.targets.append(f"{method} {target}")


class _ForwardHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: ForwardProxy

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _relay(self) -> None:
        target = urllib.parse.urlsplit(self.path)
        body = self._body()
        if target.scheme != "http" or not target.hostname:
            self._refuse(400, "not a proxy request (absolute http:// URI expected)")
            return
        try:
            loopback = ipaddress.ip_address(target.hostname).is_loopback
        except ValueError:
            loopback = target.hostname == "localhost"
        if not loopback:
            self._refuse(403, "this test proxy reaches loopback only")
            return
        origin = f"{target.hostname}:{target.port or 80}"
        self.owner.note(self.command, origin, self.path)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    upstream.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            answer = upstream.getresponse()
            content = answer.read()
            self.send_response_only(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            if self.command == "HEAD":
                length = answer.getheader("Content-Length")
                if length is not None:
                    self.send_header("Content-Length", length)
            else:
                self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)
        finally:
            upstream.close()

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _refuse(self, status: int, reason: str) -> None:
        body = reason.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay
