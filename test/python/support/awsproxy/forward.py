"""A forward HTTP proxy on 127.0.0.1, what ``HTTP_PROXY`` names, for the proxy settings."""

from __future__ import annotations

import collections
import http.client
import http.server
import ipaddress
import socketserver
import threading
import urllib.parse

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
