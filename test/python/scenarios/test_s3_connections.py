"""The S3 client's connections, through the fault proxy in front of the real local server: kept
alive between requests, at most as many as asked for, and a connection a request failed on never
used again."""

from __future__ import annotations

import concurrent.futures

import pytest

from conftest import deploy_config
from django_s3_static.config import Config
from django_s3_static.s3.errors import Unreachable
from django_s3_static.s3.transport import Transport
from support.faultproxy import FaultProxy


class CountingProxy(FaultProxy):
    """The fault proxy, counting the connections clients open to it."""

    opened = 0

    def _refuses_connection(self) -> bool:  # called once per accepted connection
        self.opened += 1
        return super()._refuses_connection()


@pytest.fixture
def proxy(s3server):
    with CountingProxy(s3server.endpoint, seed=3) as running:
        yield running


def transport(s3server, bucket: str, proxy: CountingProxy, size: int) -> Transport:
    values = deploy_config(s3server, bucket, AWS_S3_ENDPOINT_URL=proxy.url)
    return Transport(Config.from_values({**values, "DJANGO_S3_STATIC_MAX_ATTEMPTS": "1"}), size)


def put(client: Transport, key: str) -> int:
    return client.send("PUT", "PutObject", key, body=b"x", headers={"Content-Length": "1"}).status


def test_connections_are_kept_and_shared_by_threads(s3server, bucket, proxy):
    client = transport(s3server, bucket, proxy, size=3)
    try:
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            assert set(pool.map(lambda n: put(client, f"k/{n}"), range(60))) == {200}
        assert proxy.counts["PUT"] == 60
        assert 1 <= proxy.opened <= 3  # one per request in flight, each kept for the next
        assert len(client.http._idle) <= 3
        answer = client.send("GET", "GetObject", "k/1", stream=True)
        assert answer.read(10) == b"x" and answer.read(10) == b""
        answer.close()  # read to its end: given back
        assert proxy.opened <= 3
    finally:
        client.close()


def test_a_connection_a_request_failed_on_is_dropped_and_never_retried_here(
    s3server, bucket, proxy
):
    client = transport(s3server, bucket, proxy, size=1)
    try:
        assert put(client, "a") == 200
        proxy.set_faults("PUT", reset=1.0)
        with pytest.raises(Unreachable) as failed:
            put(client, "b")
        assert failed.value.reason.endswith(f"from {proxy.url}")
        assert proxy.counts["PUT"] == 2  # one try: the retry policy decides another
        proxy.clear_faults()
        opened = proxy.opened
        assert put(client, "b") == 200
        assert proxy.opened == opened + 1  # a new connection, not the broken one
        streamed = client.send("GET", "GetObject", "b", stream=True)
        streamed.close()  # its body unread: the connection is closed, not given back
        assert client.http._idle == []
    finally:
        client.close()
