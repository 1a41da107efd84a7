"""AwsProxy: the fault proxy, answering as AWS S3 where the behaviours say so."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gzip
import hashlib
import urllib.parse
import xml.etree.ElementTree as ElementTree

from support.awsproxy.answers import (
    ERROR_BODY,
    NOT_OBJECT_WRITES,
    REASONS,
    UNORDERED,
    Behaviours,
    Refusal,
    kms_etag,
    md5_of,
    reverse_contents,
    rewrite_listing,
    signed_region,
    xml_element,
)
from support.faultproxy import FaultProxy, Message, Record


class AwsProxy(FaultProxy):
    """The fault proxy, answering as AWS S3 where the behaviours say so (see the package)."""

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
            signed_for = signed_region(request, query)
            if signed_for is not None and signed_for != rules.region:
                endpoint = f"s3.{rules.region}.amazonaws.com"
                return Refusal(
                    "permanent_redirect_301",
                    301,
                    "PermanentRedirect",
                    "The bucket you are attempting to access must be addressed using the "
                    "specified endpoint. Please send all future requests to this endpoint.",
                    xml_element("Bucket", bucket) + xml_element("Endpoint", endpoint),
                    (("x-amz-bucket-region", rules.region),),
                )
            if signed_for is not None:
                with self._lock:
                    self.behaved["signed_for_region"] += 1
        framing = (request.header("Transfer-Encoding") or "").lower()
        streaming = (request.header("x-amz-content-sha256") or "").startswith("STREAMING-")
        if "chunked" in framing and not streaming:  # always, as S3 does
            return Refusal(
                "chunked_501",
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented",
                xml_element("Header", "Transfer-Encoding"),
            )
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
        if method == "PUT" and key and conditional and not (NOT_OBJECT_WRITES & set(query)):
            if rules.no_conditional:
                return Refusal(
                    "not_implemented_501",
                    501,
                    "NotImplemented",
                    "A header you provided implies functionality that is not implemented",
                    xml_element("Header", "If-None-Match"),
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
        status = f"HTTP/1.1 {refusal.status} {REASONS[refusal.status]}"
        return Message(status, all_headers, body, body)

    def _kms_headers(self, response: Message, key: str) -> None:
        """The object's ETag as an SSE-KMS bucket shows it (and no SeaweedFS-only copy of it)."""
        etag = response.header("ETag")
        md5 = md5_of(etag) if etag else None
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
