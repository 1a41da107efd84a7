"""A fault-injecting HTTP/1.1 proxy in front of the local S3 server, for the fault tests.

It listens on 127.0.0.1 (a free port), forwards each request to the upstream server on its own
upstream connection, and acts per request, by kind (the method, or ``LIST`` for a bucket listing)
and path:

- ``reset``: the client's connection is reset (RST) before the request is forwarded;
- ``reset_after``: the request is forwarded and done upstream, then the client's connection is
  reset instead of answering (the object is written, the client does not know);
- ``stall``: the request is read, then nothing is answered for ``stall_seconds`` (or until the
  client gives up), then the connection is closed;
- ``slowdown``: ``503 SlowDown`` with S3's XML error body, the connection kept alive;
- ``down``: every request and every new connection is reset, from now or after N PUTs, until
  ``come_up()``;
- ``hold``: requests of a kind wait (bounded) until ``release()``, to line up concurrent builds.

Decisions are repeatable: the n-th request for a given method and target (less the bucket) draws
from a random generator seeded with ``(seed, method, target, n)``, so the same build meets the
same faults whatever the order its threads run in. Request bodies may be framed by Content-Length
or chunked transfer encoding (forwarded as framed; ``aws-chunked`` content is decoded for the MD5
record).
``Expect: 100-continue`` (botocore sends it with every PutObject) is answered by the proxy itself.

Every request is recorded (kind, target, action, upstream status, body size and MD5, If-None-Match).
``stop()`` closes every socket and joins every thread; it raises if one is left.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import random
import select
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

FAULTS = ("reset", "reset_after", "stall", "slowdown")
MAX_HEAD = 64 * 1024

SLOWDOWN_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
    "<Resource>{resource}</Resource><RequestId>FAULTPROXY{number:08d}</RequestId></Error>"
)


class _Closed(Exception):
    """The peer closed the connection (cleanly, between requests, or in the middle of one)."""


class _Reader:
    """Buffered reads from a socket: a head up to a blank line, exact byte counts, lines."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise _Closed()
        self.buffer += data

    def head(self) -> bytes | None:
        """Everything up to and including the blank line; None on a clean EOF before any byte."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise _Closed()
            try:
                self._fill()
            except _Closed:
                if not self.buffer:
                    return None
                raise
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head + b"\r\n\r\n"

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise _Closed()
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line + b"\r\n"

    def exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def rest(self) -> bytes:
        """Everything until the peer closes (a response framed by the end of the connection)."""
        chunks = [self.buffer]
        self.buffer = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


@dataclass
class Message:
    start: str  # request or status line, without CRLF
    headers: list[tuple[str, str]]
    raw_body: bytes = b""  # as framed on the wire (chunked stays chunked)
    body: bytes = b""  # the content

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def without(self, *names: str) -> list[tuple[str, str]]:
        drop = {n.lower() for n in names}
        return [(k, v) for k, v in self.headers if k.lower() not in drop]


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _read_chunked(reader: _Reader) -> tuple[bytes, bytes]:
    """Read a chunked body; return (the raw framing, the content)."""
    raw, content = [], []
    while True:
        size_line = reader.line()
        raw.append(size_line)
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:  # trailers, up to the blank line
                trailer = reader.line()
                raw.append(trailer)
                if trailer == b"\r\n":
                    return b"".join(raw), b"".join(content)
        data = reader.exact(size + 2)
        raw.append(data)
        content.append(data[:-2])


def _decode_aws_chunked(body: bytes) -> bytes:
    """The payload of an ``aws-chunked`` body (``hex;chunk-signature=...`` framed chunks)."""
    out, position = [], 0
    while position < len(body):
        end = body.index(b"\r\n", position)
        size = int(body[position:end].split(b";")[0], 16)
        if size == 0:
            break
        out.append(body[end + 2 : end + 2 + size])
        position = end + 2 + size + 2
    return b"".join(out)


def _read_body(reader: _Reader, message: Message, no_body: bool = False) -> bool:
    """Read a message's body into it; return False when it is framed by the end of connection."""
    if no_body:
        return True
    encoding = (message.header("Transfer-Encoding") or "").lower()
    if "chunked" in encoding:
        message.raw_body, message.body = _read_chunked(reader)
        return True
    length = message.header("Content-Length")
    if length is not None:
        message.raw_body = message.body = reader.exact(int(length))
        return True
    return False


def _reset(sock: socket.socket) -> None:
    """Close with RST, as a crashed or overloaded server does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


@dataclass
class Record:
    kind: str
    method: str
    target: str
    action: str  # "forward" or one of FAULTS, or "down"
    status: int | None = None  # the upstream's answer when forwarded
    size: int | None = None  # PUT body
    md5: str | None = None  # PUT body
    if_none_match: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """The object key of a path-style request (without the bucket)."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.target).path)
        return path.lstrip("/").partition("/")[2]


class FaultProxy:
    def __init__(
        self, upstream: str, seed: int = 0, stall_seconds: float = 30.0, hold_timeout: float = 30.0
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.seed = seed
        self.stall_seconds = stall_seconds
        self.hold_timeout = hold_timeout
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._rules: dict[str, dict[str, float]] = {}
        self._limits: dict[str, int | None] = {}
        self._injected: collections.Counter = collections.Counter()
        self._seen: collections.Counter = collections.Counter()
        self._down = False
        self._down_after_puts: int | None = None
        self._held: set[str] = set()
        self._gate = threading.Event()
        self._gate.set()
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._in_flight = 0
        self.records: list[Record] = []
        self.counts: collections.Counter = collections.Counter()  # requests by kind
        self.faults: collections.Counter = collections.Counter()  # faults injected, by action
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        listener.settimeout(0.2)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept_loop, name="faultproxy-accept")
        self._acceptor.start()
        return self

    @property
    def url(self) -> str:
        assert self._listener is not None
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._gate.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = [t.name for t in threads if t.is_alive()]
        if self._acceptor is not None and self._acceptor.is_alive():
            left.append(self._acceptor.name)
        if left:
            raise RuntimeError(f"fault proxy threads still running: {left}")

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- controls (callable while running) ----------------------------------------------------

    def set_faults(self, kind: str, limit: int | None = None, **fractions: float) -> None:
        """Fractions of requests of ``kind`` (PUT, GET, LIST, HEAD, ...) that meet each fault.

        With ``limit``, the faults stop once that many were injected for ``kind``: the server
        recovers, and the requests after that are forwarded untouched.
        """
        unknown = set(fractions) - set(FAULTS)
        if unknown or sum(fractions.values()) > 1:
            raise ValueError(f"bad faults {fractions}")
        with self._lock:
            self._rules[kind] = dict(fractions)
            self._limits[kind] = limit
            self._injected[kind] = 0

    def clear_faults(self) -> None:
        with self._lock:
            self._rules.clear()

    def go_down(self, after_puts: int | None = None) -> None:
        """Reset everything: now, or once ``after_puts`` more PUTs have been let through."""
        with self._lock:
            if after_puts is None:
                self._down = True
            else:
                self._down_after_puts = self.counts["PUT"] + after_puts

    def come_up(self) -> None:
        with self._lock:
            self._down = False
            self._down_after_puts = None

    def hold(self, *kinds: str) -> None:
        with self._lock:
            self._held = set(kinds)
            self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def count(self, kind: str) -> int:
        with self._lock:
            return self.counts[kind]

    def puts(self) -> list[Record]:
        with self._lock:
            return [r for r in self.records if r.kind == "PUT"]

    def reset_counters(self) -> None:
        with self._lock:
            self.records.clear()
            self.counts.clear()
            self.faults.clear()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no forwarded request is in progress upstream (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._in_flight == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("requests still in flight through the fault proxy")

    # -- internals ----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                if self._down:
                    self.faults["down"] += 1
                    _reset(client)
                    continue
                thread = threading.Thread(
                    target=self._serve, args=(client,), name="faultproxy-conn", daemon=True
                )
                self._threads = {t for t in self._threads if t.is_alive()}
                self._threads.add(thread)
                self._sockets.add(client)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(120)
        reader = _Reader(client)
        try:
            while not self._stopping.is_set():
                if not self._one_request(client, reader):
                    return
        except (_Closed, OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._sockets.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    @staticmethod
    def _kind(method: str, target: str) -> str:
        parts = urllib.parse.urlsplit(target)
        if method == "GET" and len([p for p in parts.path.split("/") if p]) <= 1:
            return "LIST"
        return method

    def _decide(self, kind: str, method: str, target: str) -> str:
        """Called with the lock held: the action for this request, counted."""
        self.counts[kind] += 1
        after = self._down_after_puts
        if kind == "PUT" and after is not None and self.counts["PUT"] > after:
            self._down = True
        if self._down:
            return "down"
        # Keyed without the bucket (a fresh one per test), so a test meets the same faults.
        path, _, query = target.partition("?")
        where = path.lstrip("/").partition("/")[2] + "?" + query
        self._seen[(method, where)] += 1
        draw = random.Random(f"{self.seed}|{method}|{where}|{self._seen[(method, where)]}")
        roll = draw.random()
        for action, fraction in self._rules.get(kind, {}).items():
            if roll < fraction:
                self._injected[kind] += 1
                limit = self._limits.get(kind)
                if limit is not None and self._injected[kind] >= limit:
                    del self._rules[kind]  # the server recovered
                return action
            roll -= fraction
        return "forward"

    def _one_request(self, client: socket.socket, reader: _Reader) -> bool:
        head = reader.head()
        if head is None:
            return False
        start, headers = _parse_head(head)
        request = Message(start, headers)
        method, target = start.split(" ")[0], start.split(" ")[1]
        kind = self._kind(method, target)
        with self._lock:
            action = self._decide(kind, method, target)
            record = Record(kind, method, target, action, request_headers=dict(headers))
            record.if_none_match = request.header("If-None-Match")
            self.records.append(record)
            if action != "forward":
                self.faults[action] += 1
            held = kind in self._held
        if action in ("down", "reset"):
            _reset(client)
            return False
        expect = (request.header("Expect") or "").lower() == "100-continue"
        if action == "stall":
            self._stall(client)
            return False
        if held and not self._gate.wait(self.hold_timeout):
            raise _Closed()
        if expect:
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        _read_body(reader, request)
        if kind == "PUT":
            content = request.body
            if "aws-chunked" in (request.header("Content-Encoding") or "").lower():
                content = _decode_aws_chunked(content)
            record.size, record.md5 = len(content), hashlib.md5(content).hexdigest()
        if action == "slowdown":
            self._send_slowdown(client, target)
            return True
        response, keep = self._forward(request, method, record)
        if action == "reset_after":
            _reset(client)
            return False
        client_close = (request.header("Connection") or "").lower() == "close"
        headers_out = response.without("Connection", "Content-Length", "Transfer-Encoding")
        if response.header("Transfer-Encoding"):
            headers_out.append(("Transfer-Encoding", response.header("Transfer-Encoding") or ""))
            body = response.raw_body
        else:
            body = response.raw_body
            if method != "HEAD" or response.header("Content-Length") is not None:
                length = response.header("Content-Length") if method == "HEAD" else len(body)
                headers_out.append(("Content-Length", str(length)))
        if client_close or not keep:
            headers_out.append(("Connection", "close"))
        client.sendall(_head_bytes(response.start, headers_out) + body)
        return not (client_close or not keep)

    def _forward(self, request: Message, method: str, record: Record) -> tuple[Message, bool]:
        """Send the request upstream on a fresh connection; return the response (body read)."""
        headers = request.without("Connection", "Expect", "Keep-Alive", "Proxy-Connection")
        headers.append(("Connection", "close"))
        with self._lock:
            self._in_flight += 1
        try:
            upstream = socket.create_connection(self.upstream, timeout=60)
            with self._lock:
                self._sockets.add(upstream)
            try:
                upstream.sendall(_head_bytes(request.start, headers) + request.raw_body)
                reader = _Reader(upstream)
                head = reader.head()
                if head is None:
                    raise _Closed()
                start, response_headers = _parse_head(head)
                response = Message(start, response_headers)
                status = int(start.split(" ")[1])
                no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
                keep = True
                if not _read_body(reader, response, no_body):
                    response.raw_body = response.body = reader.rest()
                record.status = status
                return response, keep
            finally:
                with self._lock:
                    self._sockets.discard(upstream)
                with contextlib.suppress(OSError):
                    upstream.close()
        finally:
            with self._lock:
                self._in_flight -= 1

    def _stall(self, client: socket.socket) -> None:
        """Answer nothing for stall_seconds; end early if the client gives up or we stop."""
        deadline = time.monotonic() + self.stall_seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            readable, _, _ = select.select([client], [], [], min(left, 0.2))
            if readable:
                try:
                    if not client.recv(65536):
                        break  # the client timed out and closed: nothing more to wait for
                except OSError:
                    break
        _reset(client)

    def _send_slowdown(self, client: socket.socket, target: str) -> None:
        with self._lock:
            number = self.faults["slowdown"]
        resource = urllib.parse.urlsplit(target).path
        body = SLOWDOWN_BODY.format(resource=resource, number=number).encode()
        headers = [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", f"FAULTPROXY{number:08d}"),
        ]
        client.sendall(_head_bytes("HTTP/1.1 503 Slow Down", headers) + body)


def _head_bytes(start: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [start] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
