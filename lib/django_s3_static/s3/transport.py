"""Signed requests over keep-alive connections (``connections``), their answers classified.

botocore spends about as much CPU per request as a PUT costs the server, and parses listings many
times slower than ElementTree.
"""

from __future__ import annotations

import datetime
import hashlib
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from typing import Any

from ..config import Config
from .connections import Pool, Response
from .errors import S3Error
from .retry import RetryPolicy
from .signing import UNSIGNED_PAYLOAD, Endpoint, Signer, canonical_query


class Transport:
    """One bucket's endpoint, signer and connection pool; ``size`` connections kept at most."""

    def __init__(self, config: Config, size: int = 1) -> None:
        self.endpoint = Endpoint(config)
        self.signer = Signer(config)
        self.policy = RetryPolicy(config.max_attempts)
        self.http = Pool(config, size, self.endpoint.origin)

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        method: str,
        operation: str,
        key: str = "",
        query: dict[str, str] | None = None,
        body: Any = b"",
        headers: dict[str, str] | None = None,
        payload: str = UNSIGNED_PAYLOAD,
        amz: dict[str, str] | None = None,
        stream: bool = False,
    ) -> Response:
        """One try: a 2xx (or a conditional request's 412), or ``S3Error`` / ``Unreachable``;
        with ``stream`` the answer's body is left for the caller to read and close."""
        target = self.endpoint.target(key)
        signed = self.signer.headers(method, self.endpoint.host, target, query, payload, amz=amz)
        path = target + (f"?{canonical_query(query)}" if query else "")
        # The host exactly as signed (a default port written in the endpoint URL included).
        sent = {**(headers or {}), **signed, "Host": self.endpoint.host}
        response = self.http.request(method, path, body or None, sent, stream)
        if 200 <= response.status < 300 or response.status == 412:
            return response
        if stream:
            response.preload()
        error = error_from(response.data, response.status, operation)
        error.region = error.region or response.headers.get("x-amz-bucket-region")
        raise error

    def bucket_call(
        self,
        method: str,
        operation: str,
        query: dict[str, str],
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        read: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """A request to the bucket itself (listing, CORS), retried; its XML answer as ``read``
        reads it (an ElementTree element by default), or None."""
        payload = hashlib.sha256(body).hexdigest()

        def send() -> Any:
            response = self.send(method, operation, "", query, body, headers, payload)
            answer = (read or xml_or_none)(response.data)
            if answer is None and method == "GET":  # a truncated or garbled 200: try again
                raise S3Error("InternalError", "unreadable answer", operation, 500)
            return answer

        return self.policy.call(send)


def error_from(data: bytes, status: int, operation: str) -> S3Error:
    """The S3Error an error answer carries (its code, else the status as the code)."""
    body = xml_or_none(data)
    if body is None:
        return S3Error(str(status), f"HTTP {status}", operation, status)
    ns = namespace(body)
    code = body.findtext(f"{ns}Code") or str(status)
    message = body.findtext(f"{ns}Message") or ""
    return S3Error(code, message, operation, status, body.findtext(f"{ns}Region"))


def xml_or_none(data: bytes) -> ElementTree.Element | None:
    if not data:
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def namespace(element: ElementTree.Element) -> str:
    """The ``{uri}`` prefix of an element's tag: S3 answers in its namespace, others may not."""
    return element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""


def timestamp(text: str) -> float | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
