"""A forward HTTP proxy on 127.0.0.1 that requires Basic credentials, as a corporate proxy does.

It takes requests in absolute form (``PUT http://host:port/path HTTP/1.1``) for loopback origins
only. A request without the right ``Proxy-Authorization`` header gets ``407 Proxy Authentication
Required`` with ``Proxy-Authenticate: Basic`` (RFC 9110, 11.7.1); the others are forwarded, each
on its own upstream connection. ``accepted`` and ``refused`` count them by method. The password
is never printed: the proxy only compares the header with the one it expects.
"""

from __future__ import annotations

import base64
import collections
import http.client
import http.server
import ipaddress
import socketserver
import threading
import urllib.parse

#: Headers for one connection only (RFC 9110, 7.6.1), never forwarded.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # server_close() joins every connection's thread
    block_on_close = True


class AuthProxy:
    """``with AuthProxy("user", "p@ss") as proxy:``, then ``proxy.url_with(user, password)``."""

    def __init__(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.expected = f"Basic {token}"
        self.accepted: collections.Counter = collections.Counter()
        self.refused: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> AuthProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="authproxy"
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
        if self._thread.is_alive():
            raise RuntimeError("auth proxy thread still running")

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url_with(self, user: str, password: str) -> str:
        """The proxy's URL with credentials, percent-encoded as HTTP_PROXY takes them."""
        quoted = ":".join(urllib.parse.quote(part, safe="") for part in (user, password))
        return f"http://{quoted}@127.0.0.1:{self.port}"

    def note(self, counter: collections.Counter, method: str) -> None:
        with self._lock:
            counter[method] += 1


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    owner: AuthProxy

    def log_message(self, *args: object) -> None:  # quiet, and no header is ever printed
        pass

    def _relay(self) -> None:
        body = self._body()
        target = urllib.parse.urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            return self._answer(400, "not a proxy request (absolute http:// URI expected)")
        try:
            loopback = ipaddress.ip_address(target.hostname).is_loopback
        except ValueError:
            loopback = target.hostname == "localhost"
        if not loopback:
            return self._answer(403, "this test proxy reaches loopback only")
        if self.headers.get("Proxy-Authorization") != self.owner.expected:
            self.owner.note(self.owner.refused, self.command)
            return self._answer(407, "proxy credentials required", {"Proxy-Authenticate": "Basic"})
        self.owner.note(self.owner.accepted, self.command)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    upstream.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            answer = upstream.getresponse()
            content = answer.read()
            self.send_response_only(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            length = answer.getheader("Content-Length") if self.command == "HEAD" else None
            self.send_header("Content-Length", length or str(len(content)))
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

    def _answer(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        body = reason.encode()
        self.send_response_only(status)
        for name, value in {"Content-Type": "text/plain", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _relay
