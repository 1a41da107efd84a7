"""A TCP relay on this machine's non-loopback address, to a server that listens on loopback only.

It lets a client reach a local server (the tests' PostgreSQL) by an address that is not a
loopback one, as a database on another machine would be reached, without the server listening
anywhere else. ``outward_address()`` finds that address: the one the kernel would send from
(a UDP socket's ``connect`` sends nothing).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading


def outward_address() -> str | None:
    """This machine's IPv4 address on its default route, or None (no route, or loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): a route, never a packet
        except OSError:
            return None
        address = probe.getsockname()[0]
    ip = ipaddress.ip_address(address)
    return None if ip.is_loopback or ip.is_unspecified else address


class TcpRelay:
    """``with TcpRelay(address, ("127.0.0.1", port)) as relay:`` clients reach the target at
    ``relay.host:relay.port``; ``connections`` counts them."""

    def __init__(self, host: str, target: tuple[str, int]) -> None:
        self.host = host
        self.target = target
        self.connections = 0
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.1)  # accept() wakes up to see the relay is stopping
        self._stopping = threading.Event()
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def __enter__(self) -> TcpRelay:
        self._start(self._accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        for thread in list(self._threads):
            thread.join(10)
            if thread.is_alive():
                raise RuntimeError("relay thread still running")

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name="tcp-relay")
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by __exit__
                return
            client.settimeout(None)
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
            with self._lock:
                self.connections += 1
                self._sockets += [client, upstream]
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
