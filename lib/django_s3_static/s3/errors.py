"""What can go wrong talking to S3, classified where it happens, and explained to the user.

Each transport turns its own failures into ``S3Error`` (an answer), ``Unreachable`` (none: worth
another try) or ``NoCredentials``, so callers decide on types, never class names; ``explain`` turns
them into what to do.
"""

from __future__ import annotations

from ..config import Config
from ..errors import S3StaticError

#: Codes that mean "slow down": the uploader also halves its concurrency on these.
THROTTLE_CODES = frozenset({"SlowDown", "Throttling", "RequestLimitExceeded", "TooManyRequests"})
#: Codes that pass whatever their status. ``ConditionalRequestConflict`` (409): two conditional
#: writes of one key at once, to be retried
#: (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
PASSING_CODES = THROTTLE_CODES | {
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "ConditionalRequestConflict",
}


class S3Error(Exception):
    """An error answer from S3: its code (``SlowDown``, ``AccessDenied`` ...) and HTTP status."""

    def __init__(
        self, code: str, message: str, operation: str, status: int = 0, region: str | None = None
    ) -> None:
        super().__init__(f"An error occurred ({code}) when calling the {operation} operation")
        self.code = code
        self.message = message
        self.operation = operation
        self.status = status
        #: The bucket's region, when S3 names it (``x-amz-bucket-region`` or ``<Region>``).
        self.region = region

    @property
    def throttled(self) -> bool:
        return self.code in THROTTLE_CODES or self.status in (429, 503)

    @property
    def passing(self) -> bool:
        return self.code in PASSING_CODES or self.status == 429 or self.status >= 500

    @property
    def refuses_condition(self) -> bool:
        """The store does not do conditional writes: ``If-None-Match`` answered 501, or named in
        a 400 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html)."""
        return (
            self.status == 501
            or self.code == "NotImplemented"
            or (self.status == 400 and "if-none-match" in self.message.lower())
        )


class Unreachable(Exception):
    """No HTTP answer at all: the connection was refused, reset, or timed out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoCredentials(Exception):
    """Neither explicit keys nor any source boto3 knows provided credentials."""


def is_passing(exc: BaseException) -> bool:
    """A failure worth another try: throttling, a 5xx, a broken or stalled connection."""
    return isinstance(exc, Unreachable) or (isinstance(exc, S3Error) and exc.passing)


def is_throttle(exc: BaseException) -> bool:
    return isinstance(exc, S3Error) and exc.throttled


def error_code(exc: BaseException) -> str:
    """S3's error code of a failed request, or "" when S3 did not answer with one."""
    return exc.code if isinstance(exc, S3Error) else ""


#: What each action is called in a message, and the IAM permission it needs.
ACTIONS = {
    "list": ("list the objects in", "s3:ListBucket"),
    "upload": ("upload to", "s3:PutObject"),
    "read": ("read from", "s3:GetObject"),
    "delete": ("delete from", "s3:DeleteObject"),
}


class RegionMismatch(S3StaticError):
    """The bucket is in another region than the one requests were signed for."""

    def __init__(self, region: str, title: str, *details: str) -> None:
        super().__init__(title, *details)
        self.region = region


_CREDENTIAL_CODES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken")
_REGION_CODES = ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraint")
_DENIED_CODES = ("AccessDenied", "AllAccessDisabled", "Forbidden", "403")


def explain(exc: BaseException, config: Config, action: str) -> S3StaticError:
    """Turn an S3 or connection error into what failed, why, and what to do (never a secret)."""
    if isinstance(exc, S3StaticError):
        return exc  # already says what to do (boto3 missing, for one)
    where = f"bucket {config.bucket!r}" + (
        f" at {config.endpoint_url}" if config.endpoint_url else ""
    )
    doing, permission = ACTIONS[action]
    if isinstance(exc, NoCredentials):
        return S3StaticError(
            f"No S3 credentials: cannot {doing} {where}.",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as config vars:",
            "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
        )
    if isinstance(exc, Unreachable):
        endpoint = config.endpoint_url or "the AWS S3 endpoint"
        return S3StaticError(
            f"Cannot reach {endpoint} to {doing} {where} ({exc.reason}).",
            "Check AWS_S3_ENDPOINT_URL (unset it for AWS S3) and that the service is up.",
        )
    if not isinstance(exc, S3Error):
        detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return _unexpected(f"Cannot {doing} {where}: {detail}")
    return _explain_answer(exc, config, where, action, doing, permission)


def _explain_answer(
    exc: S3Error, config: Config, where: str, action: str, doing: str, permission: str
) -> S3StaticError:
    code = exc.code
    if code in _CREDENTIAL_CODES:
        return S3StaticError(
            f"S3 refused the credentials ({code}) when trying to {doing} {where}.",
            "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if you use",
            "temporary credentials): heroku config:get AWS_ACCESS_KEY_ID",
        )
    if exc.status == 407:  # the proxy's answer, not S3's
        return S3StaticError(
            f"The proxy refused its credentials (407 Proxy Authentication Required) when trying "
            f"to {doing} {where}.",
            "Check the user and password in HTTPS_PROXY or HTTP_PROXY: http://user:password@host:port",
            "(percent-encode a special character of the password: @ as %40, : as %3A).",
        )
    if code == "NoSuchBucket":
        return S3StaticError(
            f"The {where} does not exist.",
            "Create it, or fix AWS_STORAGE_BUCKET_NAME (and AWS_S3_REGION_NAME or",
            "AWS_S3_ENDPOINT_URL if it lives elsewhere).",
        )
    if code in _DENIED_CODES:
        return S3StaticError(
            f"Access denied: these credentials may not {doing} {where}.",
            f"Grant the IAM user the {permission} permission on "
            f"arn:aws:s3:::{config.bucket}" + ("" if action == "list" else "/*") + ".",
            "The buildpack needs s3:ListBucket on the bucket and s3:PutObject on its objects.",
        )
    if code in _REGION_CODES or exc.status == 301:
        used = config.region or "us-east-1"
        if exc.region and exc.region != used:
            return RegionMismatch(
                exc.region,
                f"The {where} is in {exc.region}, not {used}.",
                f"Set it: heroku config:set AWS_S3_REGION_NAME={exc.region}",
            )
        return S3StaticError(
            f"The {where} is in another region than {used}.",
            "Set AWS_S3_REGION_NAME to the bucket's region, for example eu-west-1.",
        )
    if exc.passing:
        return S3StaticError(
            f"S3 kept answering {code} when trying to {doing} {where}, after retries.",
            "The service is overloaded or failing; run the build again in a few minutes.",
        )
    if code in ("BadDigest", "InvalidDigest"):
        return S3StaticError(
            f"S3 received a corrupted body ({code}) when trying to {doing} {where}.",
            "A proxy or the network altered the upload; run the build again.",
        )
    return _unexpected(f"Cannot {doing} {where}: {str(exc)[:300]}")


def _unexpected(title: str) -> S3StaticError:
    return S3StaticError(
        title,
        "Run the build again; if it persists,"
        " set DJANGO_S3_STATIC_DEBUG=1 and look at the details.",
    )
