"""The keep-alive connections' own decisions (no server): which idle connection is dropped, how a
failure is named, a proxy's refused CONNECT, TLS as configured."""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest

from django_s3_static.config import Config
from django_s3_static.errors import S3StaticError
from django_s3_static.s3.connections import (
    Pool,
    dropped,
    failure,
    refused_tunnel,
    tls_context,
)
from django_s3_static.s3.errors import S3Error, explain


def idle(sock: socket.socket) -> http.client.HTTPConnection:
    connection = http.client.HTTPConnection("127.0.0.1", 9)
    connection.sock = sock
    return connection


def test_an_idle_connection_the_server_closed_or_wrote_on_is_dropped():
    ours, theirs = socket.socketpair()
    try:
        assert not dropped(idle(ours))  # quiet: reusable
        theirs.sendall(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
        assert dropped(idle(ours))  # an answer nobody asked for
    finally:
        ours.close()
        theirs.close()
    ours, theirs = socket.socketpair()
    theirs.close()
    try:
        assert dropped(idle(ours))  # closed by the other end
    finally:
        ours.close()
    assert dropped(http.client.HTTPConnection("127.0.0.1", 9))  # never opened


def test_a_failure_is_named_by_its_type_and_tls_ones_as_ssl_errors():
    assert failure(ConnectionResetError(104, "reset")) == "ConnectionResetError"
    assert failure(http.client.RemoteDisconnected("closed")) == "RemoteDisconnected"
    refused = ssl.SSLCertVerificationError(1, "certificate verify failed")
    refused.reason = "CERTIFICATE_VERIFY_FAILED"
    assert failure(refused) == "SSLError (CERTIFICATE_VERIFY_FAILED)"


def test_a_refused_connect_is_the_proxys_answer_and_a_407_names_the_variables():
    assert refused_tunnel(OSError("Tunnel connection failed: 407 Proxy Authentication Required"))
    assert refused_tunnel(OSError("Tunnel connection failed: 403 Forbidden")) == 403
    assert refused_tunnel(OSError("[Errno 111] Connection refused")) is None
    status = refused_tunnel(OSError("Tunnel connection failed: 407 Proxy Authentication Required"))
    error = S3Error(str(status), f"HTTP {status} from the proxy", "CONNECT", status)
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    assert (
        "Check the user and password in HTTPS_PROXY or HTTP_PROXY"
        in (explain(error, config, "list").details[0])
    )


def test_tls_is_verified_unless_turned_off():
    assert tls_context(True).verify_mode == ssl.CERT_REQUIRED
    off = tls_context(False)
    assert off.verify_mode == ssl.CERT_NONE and not off.check_hostname


def test_a_plain_endpoint_goes_through_the_proxy_and_a_tls_one_tunnels(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://user:p%40ss@127.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3129")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    plain = Pool(config, 2, "http://s3.example.com:8333")._new()
    assert (plain.host, plain.port, plain._tunnel_host) == ("127.0.0.1", 3128, None)
    tls = Pool(config, 2, "https://s3.example.com")._new()
    assert (tls.host, tls.port) == ("127.0.0.1", 3129)
    assert (tls._tunnel_host, tls._tunnel_port) == ("s3.example.com", 443)


def test_an_https_proxy_is_refused_naming_the_variable_and_never_the_password(monkeypatch):
    """The build reaches its proxy in plain HTTP: a proxy given as https:// would get a TLS
    handshake's worth of garbage, so it is named, with what to set instead."""
    monkeypatch.setenv("HTTPS_PROXY", "https://user:s3cret-pass@proxy.example.com:3129")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    with pytest.raises(S3StaticError) as raised:
        Pool(config, 1, "https://s3.example.com")
    text = " ".join([raised.value.title, *raised.value.details])
    assert "https://proxy.example.com:3129" in text and "not an http:// proxy" in text
    assert "HTTPS_PROXY" in text and "http:// address" in text
    assert "s3cret-pass" not in text
