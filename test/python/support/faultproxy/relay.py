"""The proxy's plumbing: a listener on 127.0.0.1, a thread per connection, and each request
forwarded upstream on its own connection. What to do with a request is the subclass's
(``FaultProxy._one_request``)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.parse

from support.faultproxy.wire import (
    Closed,
    Message,
    Reader,
    Record,
    head_bytes,
    parse_head,
    read_body,
    reset,
)


class Relay:
    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._in_flight = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> Relay:
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

    def __enter__(self) -> Relay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no forwarded request is in progress upstream (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._in_flight == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("requests still in flight through the fault proxy")

    # -- connections ----------------------------------------------------------------------------

    def _refuses_connection(self) -> bool:
        """Called with the lock held: whether a new connection is reset at once."""
        return False

    def _one_request(self, client: socket.socket, reader: Reader) -> bool:
        """Read one request from the client and answer it; False when the connection is done."""
        raise NotImplementedError

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
                if self._refuses_connection():
                    reset(client)
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
        reader = Reader(client)
        try:
            while not self._stopping.is_set():
                if not self._one_request(client, reader):
                    return
        except (Closed, OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._sockets.discard(client)
            with contextlib.suppress(OSError):
                client.close()

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
                upstream.sendall(head_bytes(request.start, headers) + request.raw_body)
                reader = Reader(upstream)
                head = reader.head()
                if head is None:
                    raise Closed()
                start, response_headers = parse_head(head)
                response = Message(start, response_headers)
                status = int(start.split(" ")[1])
                no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
                keep = True
                if not read_body(reader, response, no_body):
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

    def _answer(
        self,
        client: socket.socket,
        request: Message,
        method: str,
        response: Message,
        keep: bool,
    ) -> bool:
        """Send the upstream's response to the client, framed for it; False when it closes."""
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
        client.sendall(head_bytes(response.start, headers_out) + body)
        return not (client_close or not keep)
