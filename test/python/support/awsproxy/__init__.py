"""A proxy in front of the local S3 server that answers as AWS S3 is documented to where SeaweedFS
does not, and a tiny forward HTTP proxy (what ``HTTP_PROXY`` names) for the proxy settings.

``AwsProxy`` is a ``FaultProxy`` (same listener on 127.0.0.1 and a free port, same framing,
``Expect: 100-continue``, records, counters, ``wait_idle`` and a ``stop()`` that joins every
thread): it replaces only ``_forward``, the step that turns one request into one answer. There it
either answers by itself, as AWS would, without reaching the server, or forwards and then rewrites
the answer. Each behaviour is switched per test (``AwsProxy(url, kms_etags=True)`` or
``proxy.behave(region="eu-west-1")``), and they combine with the fault proxy's own faults:

- ``kms_etags``: objects carry a deterministic 32-hex ETag that is not the MD5 of their content,
  in PUT, GET and HEAD answers and in listings, as in a bucket encrypted with SSE-KMS or SSE-C;
- ``plus_spaces``: listings asked for with ``encoding-type=url`` encode keys as AWS does (a space
  is ``+``, a literal ``+`` is ``%2B``, in every segment), and ``Prefix``, ``StartAfter`` and
  ``Delimiter`` too;
- ``conflict_409``: the first ``If-None-Match`` PUT of each key is answered
  ``409 ConditionalRequestConflict`` (nothing written); later ones are forwarded;
- ``no_conditional``: every PUT with ``If-None-Match`` is answered ``501 NotImplemented``, as a
  store without conditional writes does;
- ``region``: the bucket's region: a request signed (SigV4 credential scope, in the
  ``Authorization`` header or a presigned URL's ``X-Amz-Credential``) for another region is
  answered ``301 PermanentRedirect`` with ``x-amz-bucket-region``; unsigned requests pass;
- ``require_md5_on_delete``: ``DeleteObjects`` (``POST ?delete``) without ``Content-MD5`` is
  answered ``400 MissingContentMD5``, as MinIO does;
- ``deny_get_object``: every signed GET or HEAD of an object is answered ``403 AccessDenied``, as
  for keys whose policy grants ``s3:ListBucket`` and ``s3:PutObject`` but not ``s3:GetObject``
  (listings pass);
- ``unordered_listing``: each listing page holds its keys in descending order, as a service that
  does not keep S3's order (or that ignores ``start-after`` and lists from the first key) breaks
  what a listing in ranges relies on.

Always, whatever the behaviours: a request framed with ``Transfer-Encoding: chunked`` is answered
``501 NotImplemented`` naming that header, as S3 answers one whose ``x-amz-content-sha256`` is
not a ``STREAMING-`` payload (a PUT must give its ``Content-Length``).

Path-style requests only (``/bucket/key``), which is what a custom endpoint gets. Seeded: the
ETags are derived from ``(seed, key, MD5)``, so the same content under the same key always shows
the same ETag, in every answer and every run, whatever the order of the requests. Bounded: at most
one 409 per key, every answer is made from one request and at most one upstream answer, and the
fault proxy's timeouts and ``stop()`` apply. ``behaved`` counts what each behaviour did (answers
made here, ETags and keys rewritten, signed requests let through); ``deletes`` keeps the keys of
each DeleteObjects and its status; ``records`` and ``counts`` are the fault proxy's.
"""

from support.awsproxy.answers import Behaviours, aws_url_encode, kms_etag
from support.awsproxy.forward import ForwardProxy
from support.awsproxy.proxy import AwsProxy

__all__ = ["AwsProxy", "Behaviours", "ForwardProxy", "aws_url_encode", "kms_etag"]
