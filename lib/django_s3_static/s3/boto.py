"""boto3, configured once, for its credential chain and the calls only ``prune_static`` makes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from ..config import Config
from ..errors import S3StaticError
from .errors import NoCredentials, S3Error, Unreachable

T = TypeVar("T")


def _boto3():
    try:
        import boto3  # lazy: a build with explicit keys never needs boto3 or its import time
    except ImportError:
        raise S3StaticError(
            "No S3 credentials in the settings or config vars, and boto3 is not installed to",
            "look for them elsewhere (profiles, instance roles). Set AWS_ACCESS_KEY_ID and",
            "AWS_SECRET_ACCESS_KEY, or install boto3 where this command runs (pip install boto3,",
            "uv add --dev boto3 or poetry add --group dev boto3).",
        ) from None
    return boto3


def session(config: Config):
    return _boto3().session.Session(
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        aws_session_token=config.session_token,
        region_name=config.region or "us-east-1",
    )


def credential_source(config: Config):
    """boto3's credentials (refreshable), found wherever boto3 looks; None when there are none."""
    import botocore.exceptions as boto_errors  # lazy: heavy, and only with boto3

    try:
        return session(config).get_credentials()
    except boto_errors.ProfileNotFound as exc:
        raise S3StaticError(
            f"{exc}: AWS_PROFILE names no profile of the shared credentials and config files.",
            "Set AWS_PROFILE to one of their profiles, or set AWS_ACCESS_KEY_ID and",
            "AWS_SECRET_ACCESS_KEY instead.",
        ) from None


def client(config: Config):
    """A botocore S3 client with the buildpack's timeouts, retries and addressing."""
    from botocore.config import Config as BotoConfig  # lazy: heavy, and only with boto3

    style = config.addressing_style or ("path" if config.endpoint_url else "auto")
    boto_config = BotoConfig(
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        retries={"max_attempts": config.max_attempts, "mode": "standard"},
        max_pool_connections=config.concurrency,
        signature_version="s3v4",
        s3={"addressing_style": style},
        # botocore 1.36+ adds CRC checksums and aws-chunked bodies, which several S3-compatible
        # services reject; Content-MD5 already proves every body.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    client = session(config).client(
        "s3", endpoint_url=config.endpoint_url, config=boto_config, verify=config.verify
    )
    # botocore 1.36+ proves a DeleteObjects body with a CRC32; MinIO and older stores
    # require the Content-MD5 that S3 has always accepted.
    client.meta.events.register("before-sign.s3.DeleteObjects", _content_md5)
    return client


def _content_md5(request: Any, **kwargs: Any) -> None:
    body = request.body if isinstance(request.body, bytes) else b""
    if "Content-MD5" not in request.headers:
        digest = hashlib.md5(body, usedforsecurity=False).digest()
        request.headers["Content-MD5"] = base64.b64encode(digest).decode()


def call(operation: str, send: Callable[[], T]) -> T:
    """Run one botocore call, its failures turned into this package's error types."""
    import botocore.exceptions as boto_errors  # lazy: heavy, and only with boto3

    try:
        return send()
    except boto_errors.ClientError as exc:
        error: dict[str, Any] = exc.response.get("Error", {})
        metadata = exc.response.get("ResponseMetadata", {})
        status = metadata.get("HTTPStatusCode", 0)
        region = error.get("Region") or metadata.get("HTTPHeaders", {}).get("x-amz-bucket-region")
        code, message = str(error.get("Code", status)), str(error.get("Message", ""))
        raise S3Error(code, message, operation, status, region) from None
    except boto_errors.NoCredentialsError:
        raise NoCredentials("no credentials found") from None
    except (boto_errors.ConnectionError, boto_errors.HTTPClientError) as exc:
        raise Unreachable(type(exc).__name__) from None
