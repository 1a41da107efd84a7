"""The fault proxy: which request meets which fault, decided repeatably, and the controls."""

from __future__ import annotations

import collections
import hashlib
import random
import select
import socket
import threading
import time
import urllib.parse

from support.faultproxy.relay import Relay
from support.faultproxy.wire import (
    Closed,
    Message,
    Reader,
    Record,
    decode_aws_chunked,
    head_bytes,
    parse_head,
    read_body,
    reset,
)

FAULTS = ("reset", "reset_after", "stall", "slowdown")

SLOWDOWN_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
    "<Resource>{resource}</Resource><RequestId>FAULTPROXY{number:08d}</RequestId></Error>"
)


class FaultProxy(Relay):
    def __init__(
        self, upstream: str, seed: int = 0, stall_seconds: float = 30.0, hold_timeout: float = 30.0
    ) -> None:
        super().__init__(upstream)
        self.seed = seed
        self.stall_seconds = stall_seconds
        self.hold_timeout = hold_timeout
        self._rules: dict[str, dict[str, float]] = {}
        self._limits: dict[str, int | None] = {}
        self._injected: collections.Counter = collections.Counter()
        self._seen: collections.Counter = collections.Counter()
        self._down = False
        self._down_after_puts: int | None = None
        self._held: set[str] = set()
        self._gate = threading.Event()
        self._gate.set()
        self.records: list[Record] = []
        self.counts: collections.Counter = collections.Counter()  # requests by kind
        self.faults: collections.Counter = collections.Counter()  # faults injected, by action

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._gate.set()
        super().stop(timeout)

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

    # -- one request ----------------------------------------------------------------------------

    def _refuses_connection(self) -> bool:
        """Called with the lock held: while down, every new connection is reset (and counted)."""
        if self._down:
            self.faults["down"] += 1
        return self._down

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

    def _one_request(self, client: socket.socket, reader: Reader) -> bool:
        head = reader.head()
        if head is None:
            return False
        start, headers = parse_head(head)
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
            reset(client)
            return False
        expect = (request.header("Expect") or "").lower() == "100-continue"
        if action == "stall":
            self._stall(client)
            return False
        if held and not self._gate.wait(self.hold_timeout):
            raise Closed()
        if expect:
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        read_body(reader, request)
        if kind == "PUT":
            content = request.body
            if "aws-chunked" in (request.header("Content-Encoding") or "").lower():
                content = decode_aws_chunked(content)
            record.size, record.md5 = len(content), hashlib.md5(content).hexdigest()
        if action == "slowdown":
            self._send_slowdown(client, target)
            return True
        response, keep = self._forward(request, method, record)
        if action == "reset_after":
            reset(client)
            return False
        return self._answer(client, request, method, response, keep)

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
        reset(client)

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
        client.sendall(head_bytes("HTTP/1.1 503 Slow Down", headers) + body)
