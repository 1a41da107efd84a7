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

from support.faultproxy.faults import FAULTS, FaultProxy
from support.faultproxy.wire import Message, Record

__all__ = ["FAULTS", "FaultProxy", "Message", "Record"]
