"""The fault proxy itself: framing, kept connections, faults, and no thread left behind."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import os
import socket
import threading

import pytest

from support.faultproxy import FaultProxy


class _Upstream(http.server.BaseHTTPRequestHandler):
    """A tiny upstream: answers each PUT with the MD5 of the body it got, however framed."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_PUT(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            content = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    self.rfile.readline()
                    break
                content += self.rfile.read(size)
                self.rfile.readline()
        else:
            content = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = hashlib.md5(content).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "1234")
        self.end_headers()

    def do_GET(self):  # framed by the end of the connection, as HTTP/1.0 servers do
        self.close_connection = True
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"until-eof " * 1000)


def test_the_proxy_frames_bodies_keeps_connections_and_leaves_nothing_behind():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        proxy = FaultProxy(f"http://127.0.0.1:{server.server_address[1]}", seed=1).start()
        port = int(proxy.url.rsplit(":", 1)[1])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = os.urandom(100_000)
            connection.request("PUT", "/b/plain", body=body, headers={"Expect": "100-continue"})
            answer = connection.getresponse()
            assert answer.read().decode() == hashlib.md5(body).hexdigest()
            # Same connection: chunked upload, then HEAD, then a body framed by EOF upstream.
            connection.request(
                "PUT", "/b/chunked", body=iter([body[:7], body[7:]]), encode_chunked=True
            )
            assert connection.getresponse().read().decode() == hashlib.md5(body).hexdigest()
            connection.request("HEAD", "/b/plain")
            head = connection.getresponse()
            assert head.getheader("Content-Length") == "1234" and head.read() == b""
            connection.request("GET", "/b/x")
            assert connection.getresponse().read() == b"until-eof " * 1000
            connection.close()
            # aws-chunked content is recorded by its payload's MD5.
            signed = b"5;chunk-signature=ab\r\nhello\r\n0;chunk-signature=cd\r\n\r\n"
            raw = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            raw.request("PUT", "/b/aws", body=signed, headers={"Content-Encoding": "aws-chunked"})
            raw.getresponse().read()
            raw.close()

            proxy.set_faults("PUT", slowdown=1.0)
            slow = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            slow.request("PUT", "/b/slow", body=b"x")
            refused = slow.getresponse()
            assert refused.status == 503
            assert b"<Code>SlowDown</Code>" in refused.read()
            proxy.set_faults("PUT", reset=1.0)
            with pytest.raises((ConnectionError, http.client.HTTPException)):
                slow.request("PUT", "/b/slow", body=b"x")  # same connection, still in sync
                slow.getresponse()
            slow.close()
            proxy.go_down()
            with pytest.raises((ConnectionError, http.client.HTTPException)):
                down = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                down.request("GET", "/b/x")
                down.getresponse()
        finally:
            proxy.stop()
        records = {(r.method, r.target, r.action): r for r in proxy.records}
        assert records[("PUT", "/b/plain", "forward")].md5 == hashlib.md5(body).hexdigest()
        assert records[("PUT", "/b/chunked", "forward")].md5 == hashlib.md5(body).hexdigest()
        assert records[("PUT", "/b/aws", "forward")].md5 == hashlib.md5(b"hello").hexdigest()
        assert proxy.counts == {"PUT": 5, "HEAD": 1, "GET": 1}
        assert proxy.faults["slowdown"] == 1 and proxy.faults["reset"] == 1
        assert [t for t in threading.enumerate() if t.name.startswith("faultproxy")] == []
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        server.shutdown()
        server.server_close()
