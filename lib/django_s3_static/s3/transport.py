"""Signed requests over a urllib3 keep-alive pool, their failures classified where they arise.

botocore spends about as much CPU per request as a PUT costs the server, and parses listings many
times slower than ElementTree.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from typing import Any

from ..config import Config
from .errors import S3Error, Unreachable
from .retry import RetryPolicy
from .signing import UNSIGNED_PAYLOAD, Endpoint, Signer, canonical_query


class Transport:
    """One bucket's endpoint, signer and connection pool; ``size`` connections at most."""

    def __init__(self, config: Config, size: int = 1) -> None:
        import urllib3  # lazy: the build installs it into its cache before the first request

        self._http_errors = urllib3.exceptions.HTTPError
        self.endpoint = Endpoint(config)
        self.signer = Signer(config)
        self.policy = RetryPolicy(config.max_attempts)
        self.http = pool_manager(config, size, self.endpoint.origin)

    def close(self) -> None:
        self.http.clear()

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
    ) -> Any:
        """One try: a 2xx (or a conditional request's 412), or ``S3Error`` / ``Unreachable``;
        with ``stream`` the answer's body is left for the caller to read."""
        target = self.endpoint.target(key)
        signed = self.signer.headers(method, self.endpoint.host, target, query, payload, amz=amz)
        url = self.endpoint.origin + target + (f"?{canonical_query(query)}" if query else "")
        try:
            response = self.http.request(
                method,
                url,
                body=body or None,
                headers={**(headers or {}), **signed},
                retries=False,
                preload_content=not stream,
            )
        except self._http_errors as exc:
            raise Unreachable(f"{type(exc).__name__} from {self.endpoint.origin}") from exc
        if 200 <= response.status < 300 or response.status == 412:
            return response
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


def pool_manager(config: Config, size: int, origin: str) -> Any:
    """A urllib3 keep-alive pool for ``origin``: timeouts, TLS, the environment's proxy."""
    import urllib3  # lazy: as in Transport

    timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
    options: dict[str, Any] = {"num_pools": 2, "maxsize": size, "block": False}
    options["timeout"] = timeout
    if config.verify is False:
        options["cert_reqs"] = "CERT_NONE"
    elif isinstance(config.verify, str):
        options["ca_certs"] = config.verify
    proxy = proxy_for(origin)
    if not proxy:
        return urllib3.PoolManager(**options)
    url, headers = proxy_credentials(proxy)
    return urllib3.ProxyManager(url, proxy_headers=headers, **options)


def proxy_credentials(proxy: str) -> tuple[str, dict[str, str]]:
    """The proxy's URL without its ``user:password@``, and those credentials as the
    ``Proxy-Authorization`` header (Basic, RFC 7617) they stand for.

    urllib3 does not read credentials from a proxy URL, so a proxy that requires them would
    answer every request with 407, as curl, pip and boto3 do not meet with the same variable.
    The user and password are percent-decoded (``%40`` for an ``@`` in a password).
    """
    if "://" not in proxy:  # ``user:password@host:port``, as curl takes it: http
        proxy = f"http://{proxy}"
    parts = urllib.parse.urlsplit(proxy)
    if parts.username is None and parts.password is None:
        return proxy, {}
    host = parts.netloc.rpartition("@")[2]
    url = urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return url, {"Proxy-Authorization": f"Basic {token}"}


def proxy_for(origin: str) -> str | None:
    """The proxy the environment names for this endpoint, as curl and boto3 read it, or None."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None  # the usual case, decided without loading urllib.request
    import urllib.request  # lazy: only when the environment names a proxy

    scheme, _, host = origin.partition("://")
    if urllib.request.proxy_bypass_environment(host.split(":")[0]):
        return None
    return urllib.request.getproxies_environment().get(scheme)


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
