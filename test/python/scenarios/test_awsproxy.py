"""AwsProxy itself: each behaviour answers as AWS documents, and nothing is left running."""

from __future__ import annotations

import base64
import hashlib
import http.client
import threading
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from support.aws_builds import SEED
from support.awsproxy import AwsProxy, aws_url_encode
from support.s3server import stored_objects


def boto_client(endpoint: str, s3server, region: str = "us-east-1"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=s3server.access_key,
        aws_secret_access_key=s3server.secret_key,
        region_name=region,
        config=Config(
            retries={"total_max_attempts": 1},
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def raw(proxy, method: str, target: str, body: bytes = b"", headers: dict | None = None):
    port = int(proxy.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def error_code(exc: ClientError) -> tuple[int, str]:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]


def test_the_proxy_answers_as_aws_documents(s3server, bucket):
    direct = s3server.client()
    proxy = AwsProxy(s3server.endpoint, seed=SEED).start()
    try:
        via = boto_client(proxy.url, s3server)

        proxy.behave(kms_etags=True)
        put = via.put_object(Bucket=bucket, Key="static/a b.css", Body=b"one")
        md5 = hashlib.md5(b"one").hexdigest()
        etag = proxy.kms_etag("static/a b.css", md5)
        assert put["ETag"] == f'"{etag}"' and etag != md5 and len(etag) == 32
        assert via.head_object(Bucket=bucket, Key="static/a b.css")["ETag"] == f'"{etag}"'
        listed = via.list_objects_v2(Bucket=bucket, Prefix="static/")["Contents"]
        assert [(o["Key"], o["ETag"]) for o in listed] == [("static/a b.css", f'"{etag}"')]
        assert stored_objects(s3server.client(), bucket) == {
            "static/a b.css": (3, md5)
        }  # the server's own

        proxy.behave(kms_etags=False, plus_spaces=True)
        for key in ("static/a+b.css", "static/two words/c d.css"):
            direct.put_object(Bucket=bucket, Key=key, Body=b"two")
        # Asked for explicitly, the encoding is left to the caller: botocore shows it as sent.
        encoded = via.list_objects_v2(Bucket=bucket, Prefix="static/", EncodingType="url")
        assert [o["Key"] for o in encoded["Contents"]] == [
            "static/a+b.css",
            "static/a%2Bb.css",
            "static/two+words/c+d.css",
        ]
        folder = via.list_objects_v2(Bucket=bucket, Prefix="static/two words/", EncodingType="url")
        assert folder["Prefix"] == "static/two+words/"
        # AWS's own example: "test_file(3).png will appear as test_file%283%29.png".
        assert aws_url_encode("static/test_file(3).png") == "static/test_file%283%29.png"
        # botocore's own decoding (unquote_plus) reads what AWS writes.
        decoded = via.list_objects_v2(Bucket=bucket, Prefix="static/")["Contents"]
        assert [o["Key"] for o in decoded] == [
            "static/a b.css",
            "static/a+b.css",
            "static/two words/c d.css",
        ]

        proxy.behave(plus_spaces=False, conflict_409=True)
        conditional = {"Bucket": bucket, "Key": "static/new.css", "IfNoneMatch": "*"}
        with pytest.raises(ClientError) as conflict:
            via.put_object(Body=b"new", **conditional)
        assert error_code(conflict.value) == (409, "ConditionalRequestConflict")
        assert "static/new.css" not in stored_objects(
            s3server.client(), bucket
        )  # nothing was written
        via.put_object(Body=b"new", **conditional)  # the retry passes
        with pytest.raises(ClientError) as taken:
            via.put_object(Body=b"new", **conditional)
        assert error_code(taken.value) == (412, "PreconditionFailed")  # the server's own answer
        via.put_object(Bucket=bucket, Key="static/plain.css", Body=b"p")  # not conditional

        proxy.behave(conflict_409=False, no_conditional=True)
        with pytest.raises(ClientError) as refused:
            via.put_object(Body=b"x", **{**conditional, "Key": "static/other.css"})
        assert error_code(refused.value) == (501, "NotImplemented")
        via.put_object(Bucket=bucket, Key="static/other.css", Body=b"x")

        proxy.behave(no_conditional=False, region="eu-west-1")
        scope = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/{}/s3/aws4_request, X=1"
        elsewhere = {"Authorization": scope.format("us-east-1")}
        status, headers, body = raw(proxy, "GET", f"/{bucket}?list-type=2", headers=elsewhere)
        assert status == 301 and headers["x-amz-bucket-region"] == "eu-west-1"
        assert b"<Code>PermanentRedirect</Code>" in body
        assert f"<Bucket>{bucket}</Bucket>".encode() in body
        status, headers, body = raw(
            proxy, "HEAD", f"/{bucket}", headers={"Authorization": scope.format("us-east-2")}
        )
        assert (status, headers["x-amz-bucket-region"], body) == (301, "eu-west-1", b"")
        presigned = f"/{bucket}/static/a%20b.css?X-Amz-Credential=" + urllib.parse.quote(
            "AKIDEXAMPLE/20261130/us-west-2/s3/aws4_request", safe=""
        )
        assert raw(proxy, "GET", presigned)[0] == 301
        in_region = boto_client(proxy.url, s3server, "eu-west-1")
        assert in_region.list_objects_v2(Bucket=bucket)["KeyCount"] == 6  # signed there: passes
        with urllib.request.urlopen(f"{proxy.url}/{bucket}/static/a%20b.css") as public:
            assert public.read() == b"one"  # unsigned: passes

        proxy.behave(region=None, require_md5_on_delete=True)
        document = b"<Delete><Object><Key>static/plain.css</Key></Object></Delete>"
        status, _, body = raw(proxy, "POST", f"/{bucket}?delete", document)
        assert status == 400 and b"<Code>MissingContentMD5</Code>" in body
        assert "static/plain.css" in stored_objects(s3server.client(), bucket)
        client_md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
        with_md5 = boto_client(proxy.url, s3server)
        with_md5.meta.events.register(
            "before-sign.s3.DeleteObjects",
            lambda request, **kwargs: request.headers.__setitem__("Content-MD5", client_md5),
        )
        with_md5.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": "static/plain.css"}], "Quiet": True}
        )
        assert "static/plain.css" not in stored_objects(s3server.client(), bucket)
    finally:
        proxy.stop()
    assert proxy.behaved["kms_etag"] == 2  # the PUT and the HEAD; the listing counts its own
    assert proxy.behaved["listed_kms_etag"] == 1
    assert proxy.behaved["plus_spaces"] == 3 + 1 + 3  # botocore asks for url encoding itself
    assert proxy.behaved["conflict_409"] == 1
    assert proxy.behaved["not_implemented_501"] == 1
    assert proxy.behaved["permanent_redirect_301"] == 3
    assert proxy.behaved["missing_md5_400"] == 1
    assert proxy.deletes == [
        ([f"{bucket}/static/plain.css"], 400),
        ([f"{bucket}/static/plain.css"], 200),
    ]
    assert [t for t in threading.enumerate() if t.name.startswith("faultproxy")] == []


def test_a_chunked_put_is_refused_as_s3_refuses_it(s3server, bucket):
    """S3 needs a PUT's Content-Length: a body sent with ``Transfer-Encoding: chunked`` (what
    ``http.client`` does for a body of unknown length) gets 501 naming the header, and nothing is
    written; so every build through this proxy shows that its uploads give their length."""
    proxy = AwsProxy(s3server.endpoint, seed=SEED).start()
    try:
        key = f"/{bucket}/static/chunked.css"
        status, _, body = raw(proxy, "PUT", key, body=iter([b"one"]))
        assert status == 501
        assert b"<Code>NotImplemented</Code>" in body
        assert b"<Header>Transfer-Encoding</Header>" in body
        assert proxy.behaved["chunked_501"] == 1
        assert "static/chunked.css" not in stored_objects(s3server.client(), bucket)
        status, _, _ = raw(proxy, "PUT", f"/{bucket}/static/framed.css", body=b"one")
        assert status != 501 and proxy.behaved["chunked_501"] == 1  # the server answers it
    finally:
        proxy.stop()
