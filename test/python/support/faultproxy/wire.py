"""HTTP/1.1 on a socket, as the proxies read and write it: heads, bodies as framed, records."""

from __future__ import annotations

import contextlib
import socket
import struct
import urllib.parse
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024


class Closed(Exception):
    """The peer closed the connection (cleanly, between requests, or in the middle of one)."""


class Reader:
    """Buffered reads from a socket: a head up to a blank line, exact byte counts, lines."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buffer += data

    def head(self) -> bytes | None:
        """Everything up to and including the blank line; None on a clean EOF before any byte."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise Closed()
            try:
                self._fill()
            except Closed:
                if not self.buffer:
                    return None
                raise
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head + b"\r\n\r\n"

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise Closed()
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


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return lines[0], headers


def read_chunked(reader: Reader) -> tuple[bytes, bytes]:
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


def decode_aws_chunked(body: bytes) -> bytes:
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


def read_body(reader: Reader, message: Message, no_body: bool = False) -> bool:
    """Read a message's body into it; return False when it is framed by the end of connection."""
    if no_body:
        return True
    encoding = (message.header("Transfer-Encoding") or "").lower()
    if "chunked" in encoding:
        message.raw_body, message.body = read_chunked(reader)
        return True
    length = message.header("Content-Length")
    if length is not None:
        message.raw_body = message.body = reader.exact(int(length))
        return True
    return False


def reset(sock: socket.socket) -> None:
    """Close with RST, as a crashed or overloaded server does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


def head_bytes(start: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [start] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Record:
    kind: str
    method: str
    target: str
    action: str  # "forward" or one of faults.FAULTS, or "down"
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
