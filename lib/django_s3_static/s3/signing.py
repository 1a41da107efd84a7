"""Where a request goes and its Signature Version 4, for the requests sent without botocore.

The payload is unsigned: ``Content-MD5`` already protects the body, and hashing it twice would slow
uploads (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse

from ..config import Config
from .boto import credential_source
from .errors import NoCredentials

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class Endpoint:
    """Where requests go: path style on a custom endpoint, the bucket's own host on AWS."""

    def __init__(self, config: Config) -> None:
        self.region = config.region or "us-east-1"
        style = config.addressing_style
        if config.endpoint_url:
            endpoint = urllib.parse.urlsplit(config.endpoint_url)
            path = endpoint.path.rstrip("/")
            if style == "virtual":
                self.host = f"{config.bucket}.{endpoint.netloc}"
                self.base_path = f"{path}/"
            else:
                self.host = endpoint.netloc
                self.base_path = f"{path}/{config.bucket}/"
            self.origin = f"{endpoint.scheme}://{self.host}"
        elif style == "path" or ("." in config.bucket and style != "virtual"):
            # Dotted names do not match the virtual host's TLS certificate.
            self.host = f"s3.{self.region}.amazonaws.com"
            self.origin = f"https://{self.host}"
            self.base_path = f"/{config.bucket}/"
        else:
            self.host = f"{config.bucket}.s3.{self.region}.amazonaws.com"
            self.origin = f"https://{self.host}"
            self.base_path = "/"

    def target(self, key: str = "") -> str:
        """The request path of a key (or of the bucket itself), encoded as SigV4 signs it."""
        return self.base_path + urllib.parse.quote(key, safe="/~")


def canonical_query(query: dict[str, str]) -> str:
    """SigV4's canonical query string: sorted, every name and value percent-encoded (RFC 3986)."""
    quote = urllib.parse.quote
    return "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )


class Signer:
    """SigV4 headers for one request; explicit keys as they are, else boto3's credential chain."""

    def __init__(self, config: Config) -> None:
        self.region = config.region or "us-east-1"
        self._static: tuple[str, str, str | None] | None = None
        self._credentials = None
        if config.access_key and config.secret_key:
            self._static = (config.access_key, config.secret_key, config.session_token)
        else:
            self._credentials = credential_source(config)
            if self._credentials is None:
                raise NoCredentials("no credentials found")
        self._keys: dict[str, bytes] = {}

    def _current(self) -> tuple[str, str, str | None]:
        if self._static is not None:
            return self._static
        frozen = self._credentials.get_frozen_credentials()  # refreshes temporary credentials
        return frozen.access_key, frozen.secret_key, frozen.token

    def headers(
        self,
        method: str,
        host: str,
        target: str,
        query: dict[str, str] | None = None,
        payload: str = UNSIGNED_PAYLOAD,
        now: time.struct_time | None = None,
        amz: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """The headers that sign the request, ``amz`` included (not ``host``: sent apart)."""
        access_key, secret_key, token = self._current()
        now = now or time.gmtime()
        stamp, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
        headers = {name.lower(): value.strip() for name, value in (amz or {}).items()}
        headers.update({"host": host, "x-amz-content-sha256": payload, "x-amz-date": stamp})
        if token:
            headers["x-amz-security-token"] = token
        names = ";".join(sorted(headers))
        canonical = "\n".join(
            [
                method,
                target,
                canonical_query(query or {}),
                *(f"{n}:{headers[n]}" for n in sorted(headers)),
                "",
                names,
                payload,
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        signature = hmac.new(self._key(secret_key, day), to_sign.encode(), "sha256")
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={names}, "
            f"Signature={signature.hexdigest()}"
        )
        del headers["host"]
        return headers

    def _key(self, secret: str, day: str) -> bytes:
        """The day's signing key, derived once a day (four HMACs), as SigV4 specifies."""
        cache_key = f"{day}/{hashlib.sha256(secret.encode()).hexdigest()}"
        key = self._keys.get(cache_key)
        if key is None:
            key = f"AWS4{secret}".encode()
            for part in (day, self.region, "s3", "aws4_request"):
                key = hmac.new(key, part.encode(), "sha256").digest()
            self._keys = {cache_key: key}
        return key
