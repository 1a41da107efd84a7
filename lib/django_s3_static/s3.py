"""All S3 traffic of the buildpack and the commands: list once, upload in parallel, check public.

The request budget is part of the design: a listing is one ``ListObjectsV2`` per 1,000 keys; an
upload is one ``PutObject`` per missing object, streamed from disk with its ``Content-MD5`` so the
server rejects a corrupted body. There is never a HEAD or GET per object.

Modules only the uploads and the public check need are imported where they are used: the fast
path imports this module for its one listing, while the app's process runs.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from .config import Config
from .errors import BuildError
from .plan import RemoteObject

LIST_PAGE_SIZE = 1000
#: How long the first PUT of an upload goes alone (see ``upload``), in seconds.
FIRST_PUT_HEAD_START = 0.025

_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".html": "text/html",
}


def content_type(name: str) -> str:
    """The Content-Type browsers need: scripts must be JavaScript, fonts font/*, text in UTF-8."""
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot >= 0 else ""
    guessed = _EXTRA_TYPES.get(extension)
    if guessed is None:
        import mimetypes

        guessed = mimetypes.guess_type(name)[0]
    guessed = guessed or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def make_client(config: Config):  # -> botocore client; typed loosely to keep boto3 optional
    try:
        import boto3  # noqa: F401 - checked here, so a missing boto3 is reported in words
        from botocore.config import Config as BotoConfig
    except ImportError:
        raise BuildError(
            "boto3 is not installed for this Python.",
            "The buildpack installs it into its cache before it runs; if you run a command",
            "yourself, install it with: pip install boto3",
        ) from None
    session = _session(config)
    boto_config = BotoConfig(
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        retries={"max_attempts": config.max_attempts, "mode": "standard"},
        max_pool_connections=config.concurrency,
        signature_version="s3v4",
        s3={"addressing_style": "path" if config.endpoint_url else "auto"},
        # Content-MD5 already proves every body; a CRC32 on top costs CPU and chunked encoding.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=config.endpoint_url, config=boto_config)


def _session(config: Config):
    try:
        import boto3
    except ImportError:
        raise BuildError(
            "No S3 credentials in the settings or config vars, and boto3 is not installed to",
            "look for them elsewhere (profiles, instance roles). Set AWS_ACCESS_KEY_ID and",
            "AWS_SECRET_ACCESS_KEY, or install boto3: pip install boto3",
        ) from None

    return boto3.session.Session(
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        aws_session_token=config.session_token,
        region_name=config.region or "us-east-1",
    )


def list_inventory(config: Config) -> tuple[dict[str, RemoteObject], int]:
    """Every object under the prefix, keyed by S3 key, and the number of requests it took.

    Signed and parsed here, not by botocore: its modelled parser takes about 0.2 s per page of
    1,000 keys, ElementTree a twentieth of that, and with explicit credentials the listing needs
    no boto3 import at all (a few tenths of a second), which is most of a small app's fast path.
    """
    inventory: dict[str, RemoteObject] = {}
    requests = 0
    query = {"list-type": "2", "prefix": config.key_prefix, "max-keys": str(LIST_PAGE_SIZE)}
    query["encoding-type"] = "url"
    try:
        endpoint = Endpoint(config)
        signer = Signer(config)
        http = _http_pool(config, 1)
        try:
            while True:
                page = _send(http, endpoint, signer, config, "GET", query, "ListObjectsV2")
                requests += 1
                ns = page.tag[: page.tag.index("}") + 1] if page.tag.startswith("{") else ""
                encoded = page.findtext(f"{ns}EncodingType") == "url"
                for item in page.iter(f"{ns}Contents"):
                    key = item.findtext(f"{ns}Key") or ""
                    modified = item.findtext(f"{ns}LastModified")
                    inventory[urllib.parse.unquote(key) if encoded else key] = RemoteObject(
                        int(item.findtext(f"{ns}Size") or 0),
                        item.findtext(f"{ns}ETag") or "",
                        _timestamp(modified) if modified else None,
                    )
                token = page.findtext(f"{ns}NextContinuationToken")
                if page.findtext(f"{ns}IsTruncated") != "true" or not token:
                    return inventory, requests
                query["continuation-token"] = token
        finally:
            http.clear()
    except Exception as exc:  # urllib3, botocore's credential providers, S3Error: explain() sorts
        raise explain(exc, config, "list") from None


class S3Error(Exception):
    """An error answer from S3, shaped as botocore's ClientError so one explain() serves both."""

    def __init__(self, code: str, message: str, operation: str) -> None:
        super().__init__(f"An error occurred ({code}) when calling the {operation} operation")
        self.response = {"Error": {"Code": code, "Message": message}}
        self.operation_name = operation


class EndpointUnreachable(Exception):
    """No HTTP answer at all (refused, reset, timed out) after every attempt."""


class NoCredentialsError(Exception):
    """Neither explicit keys nor any source boto3 knows provided credentials."""


class Endpoint:
    """Where requests for the bucket go: the custom endpoint (path style) or AWS's own host."""

    def __init__(self, config: Config) -> None:
        self.region = config.region or "us-east-1"
        if config.endpoint_url:
            endpoint = urllib.parse.urlsplit(config.endpoint_url)
            self.origin = f"{endpoint.scheme}://{endpoint.netloc}"
            self.host = endpoint.netloc
            self.base_path = f"{endpoint.path.rstrip('/')}/{config.bucket}/"
        elif "." in config.bucket:  # dotted names break the virtual host's TLS certificate
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


class Signer:
    """Signature Version 4 headers for one request, with the day's key derived once.

    Explicit keys (settings or config vars, as on Heroku) are used as they are, without
    importing boto3; otherwise boto3's session finds credentials wherever boto3 would (profiles,
    instance roles, web identity) and refreshes temporary ones.
    """

    def __init__(self, config: Config) -> None:
        self.region = config.region or "us-east-1"
        self._static = None
        self._credentials = None
        if config.access_key and config.secret_key:
            self._static = (config.access_key, config.secret_key, config.session_token)
        else:
            self._credentials = _session(config).get_credentials()
            if self._credentials is None:
                raise NoCredentialsError("no credentials found")
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
        payload: str = "UNSIGNED-PAYLOAD",
    ) -> dict[str, str]:
        access_key, secret_key, token = self._current()
        now = time.gmtime()
        stamp, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
        headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": stamp}
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
        del headers["host"]  # urllib3 sends it from the URL
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


def canonical_query(query: dict[str, str]) -> str:
    """SigV4's canonical query string: sorted, every name and value percent-encoded (RFC 3986)."""
    quote = urllib.parse.quote
    return "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )


def _http_pool(config: Config, size: int):
    import urllib3

    timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
    return urllib3.PoolManager(num_pools=2, maxsize=size, block=False, timeout=timeout)


def _send(http, endpoint, signer, config: Config, method, query, operation, body=b"", headers=None):
    """One signed request to the bucket itself (not a key), retried while the failure passes;
    its XML answer (None when empty), or S3Error."""
    target = endpoint.target()
    url = f"{endpoint.origin}{target}?{canonical_query(query)}"
    payload = hashlib.sha256(body).hexdigest()
    for attempt in range(1, config.max_attempts + 1):
        signed = {
            **(headers or {}),
            **signer.headers(method, endpoint.host, target, query, payload),
        }
        try:
            response = http.request(method, url, body=body or None, headers=signed, retries=False)
        except Exception as exc:
            if attempt == config.max_attempts:
                raise EndpointUnreachable(f"{type(exc).__name__} from {endpoint.origin}") from exc
        else:
            answer = _xml_or_none(response.data)
            if 200 <= response.status < 300 and (answer is not None or method != "GET"):
                return answer
            code, message = _error_fields(answer, response.status)
            if code not in RETRYABLE_CODES or attempt == config.max_attempts:
                raise S3Error(code, message, operation)
        time.sleep(min(20.0, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")


def _bucket_call(
    config: Config, method: str, query, operation: str, body: bytes = b"", headers=None
):
    http = _http_pool(config, 1)
    try:
        return _send(
            http, Endpoint(config), Signer(config), config, method, query, operation, body, headers
        )
    finally:
        http.clear()


#: GetBucketCors's elements, and the names boto3 (and so the rules in cors.py) give them.
_CORS_LISTS = {
    "AllowedOrigin": "AllowedOrigins",
    "AllowedMethod": "AllowedMethods",
    "AllowedHeader": "AllowedHeaders",
    "ExposeHeader": "ExposeHeaders",
}


def get_bucket_cors(config: Config) -> list[dict] | None:
    """The bucket's CORS rules (boto3's shape), or None when it has no CORS configuration."""
    try:
        answer = _bucket_call(config, "GET", {"cors": ""}, "GetBucketCors")
    except S3Error as exc:
        if exc.response["Error"]["Code"] == "NoSuchCORSConfiguration":
            return None
        raise
    ns = answer.tag[: answer.tag.index("}") + 1] if answer.tag.startswith("{") else ""
    rules = []
    for element in answer.iter(f"{ns}CORSRule"):
        rule: dict = {}
        for child in element:
            name = child.tag[len(ns) :]
            if name in _CORS_LISTS:
                rule.setdefault(_CORS_LISTS[name], []).append(child.text or "")
            elif name == "MaxAgeSeconds":
                rule[name] = int(child.text or 0)
            elif name == "ID":
                rule[name] = child.text or ""
        rules.append(rule)
    return rules


def put_bucket_cors(config: Config, rules: list[dict]) -> None:
    """Replace the bucket's CORS configuration with ``rules`` (boto3's shape)."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.Element("CORSConfiguration", xmlns="http://s3.amazonaws.com/doc/2006-03-01/")
    for rule in rules:
        element = ElementTree.SubElement(root, "CORSRule")
        if "ID" in rule:
            ElementTree.SubElement(element, "ID").text = rule["ID"]
        for name, plural in _CORS_LISTS.items():
            for value in rule.get(plural, ()):
                ElementTree.SubElement(element, name).text = value
        if "MaxAgeSeconds" in rule:
            ElementTree.SubElement(element, "MaxAgeSeconds").text = str(rule["MaxAgeSeconds"])
    body = ElementTree.tostring(root, encoding="utf-8")
    md5 = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    headers = {"Content-MD5": md5, "Content-Type": "application/xml"}
    _bucket_call(config, "PUT", {"cors": ""}, "PutBucketCors", body, headers)


def _xml_or_none(data: bytes):
    import xml.etree.ElementTree as ElementTree

    if not data:
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None


def _error_fields(body, status: int) -> tuple[str, str]:
    if body is None:
        return str(status), f"HTTP {status}"
    ns = body.tag[: body.tag.index("}") + 1] if body.tag.startswith("{") else ""
    return (body.findtext(f"{ns}Code") or str(status), body.findtext(f"{ns}Message") or "")


def _timestamp(text: str) -> float | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class UploadJob:
    name: str
    path: str
    size: int
    md5: str
    immutable: bool


@dataclass
class UploadResult:
    uploaded: list[str]
    already_there: list[str]
    failed: list[tuple[str, BuildError]]
    bytes: int
    seconds: float
    throttled: int = 0
    lowest_concurrency: int = 0
    not_sent: int = 0  # jobs never tried: the first PUT was refused for a reason that holds for all


THROTTLE_CODES = frozenset(
    {"SlowDown", "503", "ServiceUnavailable", "Throttling", "RequestLimitExceeded"}
)


class ConcurrencyLimiter:
    """How many PUTs may be in flight: halved when S3 says slow down, regained one by one.

    Additive increase, multiplicative decrease, as TCP does: a throttled bucket gets relief at
    once, and the uploader finds its way back to full speed when the throttling stops. Retries
    themselves (with backoff and jitter) are ``upload``'s; this decides how many run at once.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum
        self.throttled = 0
        self._in_flight = 0
        self._successes = 0
        self._condition = threading.Condition()

    def acquire(self) -> None:
        with self._condition:
            while self._in_flight >= self.limit:
                self._condition.wait()
            self._in_flight += 1

    def release(self) -> None:
        with self._condition:
            self._in_flight -= 1
            self._condition.notify()

    def on_throttle(self) -> None:
        with self._condition:
            self.throttled += 1
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self._successes = 0

    def on_success(self) -> None:
        with self._condition:
            self._successes += 1
            if self.limit < self.maximum and self._successes >= self.limit:
                self._successes = 0
                self.limit += 1
                self._condition.notify()


RETRYABLE_CODES = THROTTLE_CODES | {"InternalError", "RequestTimeout", "500", "502"}
RETRYABLE_ERRORS = frozenset(
    {
        "EndpointUnreachable",
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "ProtocolError",
        "IncompleteReadError",
        "NewConnectionError",
        "RemoteDisconnected",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "BrokenPipeError",
        "TimeoutError",
    }
)


def is_retryable(exc: Exception) -> bool:
    """A failure worth another round: throttling, a 5xx, a broken or stalled connection."""
    return error_code(exc) in RETRYABLE_CODES or type(exc).__name__ in RETRYABLE_ERRORS


class ObjectWriter:
    """Single PUTs without botocore's per-request machinery, for the upload's hot path.

    botocore spends about 3 ms of CPU on each PutObject (events, validation, a modelled
    response parser), which makes a Python uploader CPU-bound long before the network is. This
    sends the same request with a few lines: Signature Version 4 with an unsigned payload (the
    Content-MD5 header still makes S3 reject a corrupted body), over a keep-alive connection
    pool.
    """

    def __init__(self, config: Config, pool_size: int) -> None:
        self.config = config
        self.endpoint = Endpoint(config)
        self.signer = Signer(config)
        self.http = _http_pool(config, pool_size)

    def put(self, key: str, body, headers: dict[str, str]) -> int:
        """PUT a file (a path) or bytes; return the status (200, or 412 for If-None-Match).

        Raises S3Error for an error answer, urllib3's exceptions when no answer came.
        """
        target = self.endpoint.target(key)
        signed = {**headers, **self.signer.headers("PUT", self.endpoint.host, target)}
        url = self.endpoint.origin + target
        if isinstance(body, bytes):
            response = self.http.request("PUT", url, body=body, headers=signed, retries=False)
        else:
            with open(body, "rb") as stream:
                response = self.http.request("PUT", url, body=stream, headers=signed, retries=False)
        if response.status in (200, 412):
            return response.status
        code, message = _error_fields(_xml_or_none(response.data), response.status)
        raise S3Error(code, message, "PutObject")

    def close(self) -> None:
        self.http.clear()


def upload(
    config: Config,
    jobs: list[UploadJob],
    cache_control: Callable[[UploadJob], str],
    progress: Callable[[int, int, int, float], None] | None = None,
    rounds: int = 3,
) -> UploadResult:
    """PUT every job in parallel; never raise for one object.

    Each request is retried (``max_attempts``, exponential backoff with jitter) on throttling,
    5xx answers and broken or stalled connections; what still fails for a passing reason gets up
    to ``rounds - 1`` more rounds after a pause, so a server that restarts or throttles hard
    mid-upload does not fail the build. Progress is reported twice a second.

    The first PUT goes alone for up to ``FIRST_PUT_HEAD_START``. If the bucket refuses it in that
    time for a reason that holds for every object (credentials, a missing permission, no such
    bucket), the upload stops after one request instead of one per object. And a server that
    sets storage up on a bucket's first write gets that done before the burst: SeaweedFS makes
    PUTs that arrive within a few milliseconds of a new bucket's first one wait about a second,
    which on a small app doubled the upload. On S3 the cost is at most those 25 ms.
    """
    import concurrent.futures

    started = time.monotonic()
    lock = threading.Lock()
    result = UploadResult([], [], [], 0, 0.0)
    limiter = ConcurrencyLimiter(max(1, min(config.concurrency, len(jobs))))
    failures: list[tuple[UploadJob, Exception]] = []
    try:
        writer = ObjectWriter(config, limiter.maximum)
    except Exception as exc:
        explained = explain(exc, config, "upload")
        result.failed = [(job.name, explained) for job in jobs]
        return result

    def put(job: UploadJob) -> None:
        limiter.acquire()
        try:
            send(job)
        finally:
            limiter.release()

    def send(job: UploadJob) -> None:
        headers = {
            "Content-Length": str(job.size),
            "Content-MD5": base64.b64encode(bytes.fromhex(job.md5)).decode(),
            "Content-Type": content_type(job.name),
            "Cache-Control": cache_control(job),
        }
        if job.immutable:
            headers["If-None-Match"] = "*"
        for attempt in range(1, config.max_attempts + 1):
            try:
                status = writer.put(config.key(job.name), job.path, headers)
                break
            except Exception as exc:
                if error_code(exc) in THROTTLE_CODES:
                    limiter.on_throttle()
                if attempt == config.max_attempts or not is_retryable(exc):
                    with lock:
                        failures.append((job, exc))
                    return
            time.sleep(min(20.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
        if status == 412:
            # Another build (or an earlier try whose answer was lost) wrote this
            # content-addressed name first: same name, same content.
            with lock:
                result.already_there.append(job.name)
            return
        limiter.on_success()
        with lock:
            result.uploaded.append(job.name)
            result.bytes += job.size

    def done() -> int:
        return len(result.uploaded) + len(result.already_there) + len(result.failed)

    remaining = list(jobs)
    not_sent: list[tuple[str, BuildError]] = []
    try:
        for attempt in range(rounds):
            if attempt:
                time.sleep(min(8.0, 2.0**attempt) * random.uniform(0.5, 1.0))
            failures.clear()
            with concurrent.futures.ThreadPoolExecutor(
                limiter.maximum, thread_name_prefix="s3-put"
            ) as pool:
                rest = remaining[1:]
                pending = {pool.submit(put, job) for job in remaining[:1]}
                if attempt == 0 and rest:
                    concurrent.futures.wait(pending, timeout=FIRST_PUT_HEAD_START)
                    with lock:
                        refused = [exc for _, exc in failures if not is_retryable(exc)]
                    if refused:
                        explained = explain(refused[0], config, "upload")
                        not_sent = [(job.name, explained) for job in rest]
                        rest = []
                pending |= {pool.submit(put, job) for job in rest}
                while pending:
                    _, pending = concurrent.futures.wait(pending, timeout=0.5)
                    if progress:
                        with lock:
                            waiting = len(failures) if attempt + 1 < rounds else 0
                            progress(
                                done() + waiting,
                                len(jobs),
                                result.bytes,
                                time.monotonic() - started,
                            )
            last_round = attempt + 1 == rounds
            remaining = [job for job, exc in failures if is_retryable(exc) and not last_round]
            result.failed += [
                (job.name, explain(exc, config, "upload"))
                for job, exc in failures
                if last_round or not is_retryable(exc)
            ]
            if not remaining:
                break
    finally:
        writer.close()
    result.failed += not_sent  # after the refused first PUT, whose error comes first
    result.not_sent = len(not_sent)
    result.seconds = time.monotonic() - started
    result.throttled, result.lowest_concurrency = limiter.throttled, limiter.lowest
    return result


def put_record(config: Config, name: str, body: bytes) -> None:
    """Write a small JSON record (a published manifest) under the prefix, with retries."""
    headers = {
        "Content-Length": str(len(body)),
        "Content-MD5": base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode(),
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
    }
    try:
        writer = ObjectWriter(config, 1)
        try:
            for attempt in range(1, config.max_attempts + 1):
                try:
                    writer.put(config.key(name), body, headers)
                    return
                except Exception as exc:
                    if attempt == config.max_attempts or not is_retryable(exc):
                        raise
                time.sleep(min(20.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
        finally:
            writer.close()
    except Exception as exc:
        raise explain(exc, config, "upload") from None


def get_record(client, config: Config, name: str) -> bytes:
    try:
        return client.get_object(Bucket=config.bucket, Key=config.key(name))["Body"].read()
    except Exception as exc:
        raise explain(exc, config, "read") from None


def delete(client, config: Config, names: list[str]) -> list[str]:
    """Delete objects by name (1,000 per request); return the names S3 could not delete."""
    failed = []
    for start in range(0, len(names), 1000):
        batch = names[start : start + 1000]
        try:
            answer = client.delete_objects(
                Bucket=config.bucket,
                Delete={"Objects": [{"Key": config.key(n)} for n in batch], "Quiet": True},
            )
        except Exception as exc:
            raise explain(exc, config, "delete") from None
        failed += [error["Key"] for error in answer.get("Errors", [])]
    return failed


def fetch_public(url: str, timeout: float = 10.0) -> str | None:
    """GET a URL without credentials, as a visitor's browser would; None when it answers 200."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "django-s3-static public check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1)
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"no answer ({reason})"


def public_read_policy(config: Config) -> str:
    """The bucket policy that lets browsers GET the static files, and nothing else."""
    resource = f"arn:aws:s3:::{config.bucket}/{config.key_prefix}*"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "PublicReadStatic", "Effect": "Allow", '
        f'"Principal": "*", "Action": "s3:GetObject", "Resource": "{resource}"}}]}}'
    )


def error_code(exc: BaseException) -> str:
    """S3's error code of a failed request (``S3Error`` or botocore's), or "" for any other."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


_CONNECTION_ERRORS = frozenset(
    {
        "EndpointUnreachable",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ConnectionClosedError",
        "NewConnectionError",
        "ProtocolError",
        "RemoteDisconnected",
        "ConnectionResetError",
        "ConnectionRefusedError",
        "ReadTimeoutError",
        "TimeoutError",
    }
)

#: What each action is called in a message, and the IAM permission it needs.
_ACTIONS = {
    "list": ("list the objects in", "s3:ListBucket"),
    "upload": ("upload to", "s3:PutObject"),
    "read": ("read from", "s3:GetObject"),
    "delete": ("delete from", "s3:DeleteObject"),
}


def explain(exc: Exception, config: Config, action: str) -> BuildError:
    """Turn an S3 or connection error into what failed, why, and what to do (never a secret)."""
    if isinstance(exc, BuildError):
        return exc  # already says what to do (boto3 missing, for one)
    code = error_code(exc)
    where = f"bucket {config.bucket!r}" + (
        f" at {config.endpoint_url}" if config.endpoint_url else ""
    )
    doing, permission = _ACTIONS[action]
    name = type(exc).__name__
    if name == "NoCredentialsError":
        return BuildError(
            f"No S3 credentials: cannot {doing} {where}.",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as config vars:",
            "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
        )
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
        return BuildError(
            f"S3 refused the credentials ({code}) when trying to {doing} {where}.",
            "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if you use",
            "temporary credentials): heroku config:get AWS_ACCESS_KEY_ID",
        )
    if code == "NoSuchBucket":
        return BuildError(
            f"The {where} does not exist.",
            "Create it, or fix AWS_STORAGE_BUCKET_NAME (and AWS_S3_REGION_NAME or",
            "AWS_S3_ENDPOINT_URL if it lives elsewhere).",
        )
    if code in ("AccessDenied", "AllAccessDisabled", "Forbidden", "403"):
        return BuildError(
            f"Access denied: these credentials may not {doing} {where}.",
            f"Grant the IAM user the {permission} permission on "
            f"arn:aws:s3:::{config.bucket}" + ("" if action == "list" else "/*") + ".",
            "The buildpack needs s3:ListBucket on the bucket and s3:PutObject on its objects.",
        )
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraint"):
        return BuildError(
            f"The {where} is in another region than {config.region or 'us-east-1'}.",
            "Set AWS_S3_REGION_NAME to the bucket's region, for example eu-west-1.",
        )
    if name in _CONNECTION_ERRORS:
        endpoint = config.endpoint_url or "the AWS S3 endpoint"
        return BuildError(
            f"Cannot reach {endpoint} to {doing} {where} ({name}).",
            "Check AWS_S3_ENDPOINT_URL (unset it for AWS S3) and that the service is up.",
        )
    if code in ("SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"):
        return BuildError(
            f"S3 kept answering {code} when trying to {doing} {where}, after retries.",
            "The service is overloaded or failing; run the build again in a few minutes.",
        )
    if code == "BadDigest" or code == "InvalidDigest":
        return BuildError(
            f"S3 received a corrupted body ({code}) when trying to {doing} {where}.",
            "A proxy or the network altered the upload; run the build again.",
        )
    detail = str(exc).splitlines()[0][:300] if str(exc) else name
    return BuildError(
        f"Cannot {doing} {where}: {detail}",
        "Run the build again; if it persists,"
        " set DJANGO_S3_STATIC_DEBUG=1 and look at the details.",
    )
