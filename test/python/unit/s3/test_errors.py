"""How S3 failures are classified and explained (pure logic, no server)."""

import pytest

from django_s3_static.config import Config
from django_s3_static.s3.errors import (
    NoCredentials,
    RegionMismatch,
    S3Error,
    Unreachable,
    explain,
    is_passing,
    is_throttle,
)

CONFIG = Config(bucket="my-bucket", endpoint_url="http://127.0.0.1:9")


def error(code: str, status: int) -> S3Error:
    return S3Error(code, code, "PutObject", status)


@pytest.mark.parametrize(
    "failure",
    [
        error("SlowDown", 503),
        error("ServiceUnavailable", 503),
        error("InternalError", 500),
        error("500", 500),
        error("502", 502),
        error("504", 504),
        error("RequestTimeout", 400),
        error("ConditionalRequestConflict", 409),
        error("TooManyRequests", 429),
        Unreachable("ReadTimeoutError from http://127.0.0.1:9"),
    ],
    ids=str,
)
def test_passing_failures_are_retried(failure):
    assert is_passing(failure)


@pytest.mark.parametrize(
    "failure",
    [
        error("AccessDenied", 403),
        error("InvalidAccessKeyId", 403),
        error("SignatureDoesNotMatch", 403),
        error("NoSuchBucket", 404),
        error("BadDigest", 400),
        error("PreconditionFailed", 412),
        NoCredentials("none"),
        ValueError("x"),
    ],
    ids=str,
)
def test_lasting_failures_are_not(failure):
    assert not is_passing(failure)


def test_throttling_is_what_asks_to_slow_down():
    assert is_throttle(error("SlowDown", 503))
    assert is_throttle(error("503", 503))
    assert is_throttle(error("TooManyRequests", 429))
    assert not is_throttle(error("InternalError", 500))
    assert not is_throttle(Unreachable("reset"))


@pytest.mark.parametrize(
    "failure, title, detail",
    [
        (NoCredentials("none"), "No S3 credentials", "AWS_ACCESS_KEY_ID"),
        (error("InvalidAccessKeyId", 403), "S3 refused the credentials", "AWS_SESSION_TOKEN"),
        (error("NoSuchBucket", 404), "does not exist", "AWS_STORAGE_BUCKET_NAME"),
        (error("AccessDenied", 403), "Access denied", "s3:PutObject"),
        (error("403", 403), "Access denied", "s3:PutObject"),
        (error("PermanentRedirect", 301), "another region", "AWS_S3_REGION_NAME"),
        (error("SlowDown", 503), "kept answering SlowDown", "a few minutes"),
        (error("504", 504), "kept answering 504", "a few minutes"),
        (error("BadDigest", 400), "corrupted body", "run the build again"),
        (Unreachable("NewConnectionError"), "Cannot reach http://127.0.0.1:9", "ENDPOINT_URL"),
        (error("Weird", 400), "Cannot upload to bucket 'my-bucket'", "DJANGO_S3_STATIC_DEBUG"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_every_failure_says_what_failed_and_what_to_do(failure, title, detail):
    explained = explain(failure, CONFIG, "upload")
    assert title in explained.title
    assert any(detail in line for line in explained.details), explained.details


def test_a_region_named_by_s3_is_the_one_to_set():
    """301 PermanentRedirect carries x-amz-bucket-region; AuthorizationHeaderMalformed names it
    in <Region>: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html"""
    redirect = S3Error("PermanentRedirect", "", "ListObjectsV2", 301, "eu-west-1")
    explained = explain(redirect, CONFIG, "list")
    assert isinstance(explained, RegionMismatch) and explained.region == "eu-west-1"
    assert "is in eu-west-1, not us-east-1" in explained.title
    assert explained.details == ["Set it: heroku config:set AWS_S3_REGION_NAME=eu-west-1"]
    unnamed = explain(S3Error("AuthorizationHeaderMalformed", "", "x", 400), CONFIG, "list")
    assert not isinstance(unnamed, RegionMismatch)
    assert "another region than us-east-1" in unnamed.title


@pytest.mark.parametrize(
    "failure, refused",
    [
        (error("NotImplemented", 501), True),
        (S3Error("NotImplemented", "A header you provided implies functionality", "x", 400), True),
        (S3Error("InvalidArgument", "If-None-Match is not supported", "x", 400), True),
        (S3Error("InvalidArgument", "Bad Content-Type", "x", 400), False),
        (error("PreconditionFailed", 412), False),
        (error("ConditionalRequestConflict", 409), False),
    ],
    ids=str,
)
def test_a_store_without_conditional_writes_is_recognised(failure, refused):
    assert failure.refuses_condition is refused
