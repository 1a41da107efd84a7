"""Keep-alive connections to one origin over the standard library's ``http.client``.

The build's listing and uploads are its hot paths, and a third-party HTTP client costs several
times ``http.client``'s import and CPU per request there (``test/bench``), so the few things it
did for these requests are done here: a small pool shared by threads, connect and read timeouts,
TLS as configured, the environment's proxy, and failures classified where they arise. A
connection is reused only after an answer read to its end on a connection the server keeps open;
any other is closed and dropped. Nothing is retried here: ``retry.RetryPolicy`` is the one place
that decides another try.
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import ssl
import threading
import urllib.parse
from typing import Any

from ..config import Config
from ..errors import S3StaticError
from .errors import S3Error, Unreachable

#: Bytes per ``send`` of a streamed body (``http.client`` sends 8 KiB at a time by default).
BLOCK = 64 * 1024
#: What ``http.client`` raises when a proxy refuses a CONNECT: ``Tunnel connection failed: 407 ..``.
_TUNNEL_FAILED = "Tunnel connection failed: "

Connection = http.client.HTTPConnection


class Response:
    """A status, case-insensitive headers, and the body: read (``data``) unless streamed, when
    the caller reads it (``read``) and ``close``s it, which gives the connection back."""

    def __init__(self, pool: Pool, connection: Connection, answer: http.client.HTTPResponse):
        self.status = answer.status
        self.headers = answer.headers
        self._pool, self._connection, self._answer = pool, connection, answer
        self.data = b""

    def read(self, amount: int) -> bytes:
        """Up to ``amount`` bytes of the body as sent (never decoded); b"" at its end."""
        try:
            return self._answer.read(amount)
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise Unreachable(f"{failure(exc)} while reading from {self._pool.origin}") from None

    def preload(self) -> Response:
        try:
            self.data = self._answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            raise Unreachable(f"{failure(exc)} while reading from {self._pool.origin}") from None
        self.close()
        return self

    def close(self) -> None:
        """Give the connection back if the whole body was read and the server keeps it open;
        else close it (a body left unread is not drained)."""
        if self._connection is None:
            return
        if self._answer.isclosed() and not self._answer.will_close:
            self._pool.give_back(self._connection)
            self._connection = None
        else:
            self._drop()

    def _drop(self) -> None:
        self._answer.close()
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Pool:
    """Connections to ``origin`` (``scheme://host[:port]``) for threads to share: one per request
    in flight, at most ``size`` kept open between requests."""

    def __init__(self, config: Config, size: int, origin: str) -> None:
        self.origin = origin
        self.size = max(1, size)
        self._connect_timeout = config.connect_timeout
        self._read_timeout = config.read_timeout
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        parts = urllib.parse.urlsplit(origin)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        self._context = tls_context(config.verify) if self._https else None
        self._proxy: tuple[str, int] | None = None
        self._proxy_headers: dict[str, str] = {}
        proxy = proxy_for(origin)
        if proxy:
            url, self._proxy_headers = proxy_credentials(proxy)
            address = urllib.parse.urlsplit(url)
            if address.scheme != "http":
                raise S3StaticError(
                    f"The proxy {url} for {origin} is not an http:// proxy: the build talks "
                    "to its proxy in plain HTTP (requests to an https:// endpoint stay TLS, "
                    "tunnelled through it).",
                    "Set HTTPS_PROXY (or HTTP_PROXY) to the proxy's http:// address, as "
                    "Heroku's proxy add-ons give it.",
                )
            self._proxy = (address.hostname or "", address.port or 80)

    def request(
        self,
        method: str,
        target: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> Response:
        """One request for ``target`` (path and query); its answer, read unless ``stream``.
        ``Unreachable`` when no answer came."""
        headers = dict(headers or {})
        if self._proxy is not None and not self._https:  # a plain proxy takes the whole URL
            target = self.origin + target
            headers.update(self._proxy_headers)
        connection = self._take()
        try:
            if connection.sock is None:
                self._connect(connection)
            connection.request(method, target, body=body, headers=headers)
            answer = connection.getresponse()
        except S3Error:
            connection.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise Unreachable(f"{failure(exc)} from {self.origin}") from None
        response = Response(self, connection, answer)
        return response if stream else response.preload()

    def give_back(self, connection: Connection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _take(self) -> Connection:
        """An idle connection the server has not closed meanwhile, else a new one (unopened)."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._new()
            if not dropped(connection):
                return connection
            connection.close()

    def _new(self) -> Connection:
        host, port = self._proxy or (self._host, self._port)
        if self._https:
            connection: Connection = http.client.HTTPSConnection(
                host, port, timeout=self._connect_timeout, context=self._context, blocksize=BLOCK
            )
            if self._proxy is not None:  # CONNECT through the proxy, then TLS with the endpoint
                connection.set_tunnel(self._host, self._port, headers=self._proxy_headers)
            return connection
        return http.client.HTTPConnection(
            host, port, timeout=self._connect_timeout, blocksize=BLOCK
        )

    def _connect(self, connection: Connection) -> None:
        """Open the connection within the connect timeout, then wait ``read_timeout`` at most for
        each answer; a proxy's refusal of a CONNECT is its answer, as it is for a plain request."""
        try:
            connection.connect()
        except OSError as exc:
            status = refused_tunnel(exc)
            if status is not None:
                why = f"HTTP {status} from the proxy"
                raise S3Error(str(status), why, "CONNECT", status) from None
            raise
        connection.sock.settimeout(self._read_timeout)


def refused_tunnel(exc: OSError) -> int | None:
    """The status a proxy answered a CONNECT with, when that is why ``connect`` failed."""
    text = str(exc)
    status = text[len(_TUNNEL_FAILED) :].split(" ", 1)[0]
    return int(status) if text.startswith(_TUNNEL_FAILED) and status.isdigit() else None


def dropped(connection: Connection) -> bool:
    """Has the server closed this idle connection (or sent what nobody asked for)? Readable
    means either: an idle connection has nothing to read."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        poller = select.poll()  # not select.select: it fails past descriptor 1023
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def failure(exc: BaseException) -> str:
    """What went wrong, for a message: the exception's type, and for TLS its reason (a
    certificate that fails verification is an ``SSLError``, whatever class raised it)."""
    if isinstance(exc, ssl.SSLError):
        return f"SSLError ({exc.reason or type(exc).__name__})"
    return type(exc).__name__


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """TLS as ``AWS_S3_VERIFY`` / ``AWS_CA_BUNDLE`` say: the system's CAs, a bundle, or none."""
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def proxy_credentials(proxy: str) -> tuple[str, dict[str, str]]:
    """The proxy's URL without its ``user:password@``, and those credentials as the
    ``Proxy-Authorization`` header (Basic, RFC 7617) they stand for.

    ``http.client`` does not read credentials from a proxy URL, so a proxy that requires them
    would answer every request with 407, as curl, pip and boto3 do not meet with the same
    variable. The user and password are percent-decoded (``%40`` for an ``@`` in a password).
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
