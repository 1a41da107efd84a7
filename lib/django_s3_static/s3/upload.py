"""Parallel PUTs of the objects the bucket lacks; one object's failure never raises.

Passing failures get more rounds after a pause, and ``SlowDown`` halves the PUTs in flight. The
first PUT goes alone: a refusal that holds for all costs one request, and a store that sets up on a
bucket's first write (SeaweedFS) does so before the burst.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from ..config import Config
from ..errors import S3StaticError
from .bucket import Bucket, content_md5
from .content_types import content_type
from .encoding import stored_form
from .errors import S3Error, explain, is_passing, is_throttle
from .file_slice import FileSlice
from .limiter import ConcurrencyLimiter
from .retry import RetryPolicy

FIRST_PUT_HEAD_START = 0.025
ROUNDS = 3
PROGRESS_EVERY = 0.5
#: A single PUT stores at most 5 GB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html).
MAX_PUT_BYTES = 5 * 1024**3


@dataclass(frozen=True)
class UploadJob:
    name: str
    path: str
    size: int
    md5: str
    immutable: bool
    cache_control: str
    #: Store it gzip-compressed when that pays (the file is read and compressed in the thread).
    compress: bool = False
    #: The file is already encoded so (a copy of a stored object): sent as it is.
    content_encoding: str | None = None
    #: Where its ``size`` bytes start in ``path`` (a collect's pack); None: the whole file.
    offset: int | None = None


@dataclass(frozen=True)
class Stored:
    """What a PUT stored: the static cache's record of the object."""

    size: int
    md5: str
    encoding: str | None


@dataclass
class UploadResult:
    uploaded: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    failed: list[tuple[str, S3StaticError]] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    throttled: int = 0
    lowest_concurrency: int = 0
    not_sent: int = 0  # jobs never tried: the first PUT was refused for a reason that holds for all
    #: The store refused ``If-None-Match``: hashed names were written with plain PUTs, which
    #: content hashes make safe.
    unconditional: bool = False
    #: Each uploaded (or already there) job's stored bytes, by name.
    stored: dict[str, Stored] = field(default_factory=dict)
    compressed: int = 0  # uploads stored gzip-compressed
    collected_bytes: int = 0  # what the uploads' files held before compression


Progress = Callable[[int, int, int, float], None]


class UnreadableFile(S3StaticError):
    """A file to upload is unreadable, or changed under its content hash: never retried."""

    def __init__(self, job: UploadJob, problem: str) -> None:
        super().__init__(
            f"Cannot upload {job.name}: {job.path} {problem}.",
            "It was there when the upload was planned: something removed or changed it since",
            "(another process writing to the same folder, or a full or failing disk).",
            "Run the build again.",
        )


def _open(job: UploadJob) -> BinaryIO | FileSlice:
    try:
        if job.offset is not None:
            return FileSlice(job.path, job.offset, job.size)
        return open(job.path, "rb")  # noqa: SIM115 (the caller closes it)
    except OSError as exc:
        raise UnreadableFile(job, f"cannot be read ({exc.strerror or exc})") from None


def _read(job: UploadJob, handle: BinaryIO | FileSlice) -> tuple[bytes, str | None]:
    """The file's stored form, read whole to compress it, once its bytes are the ones planned."""
    try:
        data = handle.read()
    except OSError as exc:
        raise UnreadableFile(job, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) != job.size or hashlib.md5(data, usedforsecurity=False).hexdigest() != job.md5:
        raise UnreadableFile(job, f"changed after it was collected ({len(data)} bytes now)")
    return stored_form(data)


def oversized(jobs: list[UploadJob]) -> list[UploadJob]:
    """The jobs a single PUT cannot store."""
    return [job for job in jobs if job.size > MAX_PUT_BYTES]


class _Countdown:
    """An event set once ``count`` futures are done (``one_done`` is their callback)."""

    def __init__(self, count: int) -> None:
        self._left = count
        self._lock = threading.Lock()
        self._done = threading.Event()
        if not count:
            self._done.set()

    def one_done(self, _future: concurrent.futures.Future) -> None:
        with self._lock:
            self._left -= 1
            if not self._left:
                self._done.set()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)


class Uploader:
    """Upload jobs to one bucket: ``Uploader(config).run(jobs)``."""

    def __init__(self, config: Config, progress: Progress | None = None) -> None:
        self.config = config
        self.progress = progress
        self.policy = RetryPolicy(config.max_attempts)
        self._lock = threading.Lock()
        self._failures: list[tuple[UploadJob, Exception]] = []
        self._conditional = True

    def run(self, jobs: list[UploadJob]) -> UploadResult:
        started = time.monotonic()
        self.result = UploadResult()
        self.total = len(jobs)
        self.limiter = ConcurrencyLimiter(max(1, min(self.config.concurrency, len(jobs))))
        try:
            bucket = Bucket(self.config, self.limiter.maximum)
        except Exception as exc:
            explained = explain(exc, self.config, "upload")
            self.result.failed = [(job.name, explained) for job in jobs]
            return self.result
        try:
            self._rounds(bucket, jobs, started)
        finally:
            bucket.close()
        self.result.seconds = time.monotonic() - started
        self.result.throttled = self.limiter.throttled
        self.result.lowest_concurrency = self.limiter.lowest
        return self.result

    def _rounds(self, bucket: Bucket, jobs: list[UploadJob], started: float) -> None:
        remaining, not_sent = list(jobs), []
        for round_index in range(ROUNDS):
            if round_index:
                self.policy.pause(self.policy.attempts + round_index)
            self._failures = []
            not_sent += self._round(bucket, remaining, first=round_index == 0, started=started)
            last = round_index + 1 == ROUNDS
            remaining = [job for job, exc in self._failures if is_passing(exc) and not last]
            self.result.failed += [
                (job.name, explain(exc, self.config, "upload"))
                for job, exc in self._failures
                if last or not is_passing(exc)
            ]
            if not remaining:
                break
        self.result.failed += not_sent  # after the refused first PUT, whose error comes first
        self.result.not_sent = len(not_sent)

    def _round(
        self, bucket: Bucket, jobs: list[UploadJob], first: bool, started: float
    ) -> list[tuple[str, S3StaticError]]:
        """PUT ``jobs`` in parallel; what was not sent because the first PUT was refused."""
        not_sent: list[tuple[str, S3StaticError]] = []
        with concurrent.futures.ThreadPoolExecutor(
            self.limiter.maximum, thread_name_prefix="s3-put"
        ) as pool:
            rest = jobs[1:]
            pending = {pool.submit(self._put, bucket, job) for job in jobs[:1]}
            if first and rest:
                concurrent.futures.wait(pending, timeout=FIRST_PUT_HEAD_START)
                refused = self._refusal()
                if refused is not None:
                    not_sent = [(job.name, refused) for job in rest]
                    rest = []
            pending |= {pool.submit(self._put, bucket, job) for job in rest}
            submitted = set(pending)
            finished = _Countdown(len(submitted))
            for future in submitted:
                future.add_done_callback(finished.one_done)
            # One wake-up per report: ``concurrent.futures.wait`` would put a waiter on every
            # pending future each time, a cost that grows with the jobs.
            while not finished.wait(PROGRESS_EVERY):
                self._report(started)
            self._report(started)
        for future in submitted:
            # ``_put`` records every failure it knows; anything else is a bug, and an upload
            # that neither succeeded nor failed must stop the build, never vanish from it.
            future.result()
        return not_sent

    def _refusal(self) -> S3StaticError | None:
        with self._lock:
            refused = [
                exc
                for _, exc in self._failures
                if not is_passing(exc) and not isinstance(exc, UnreadableFile)
            ]
        return explain(refused[0], self.config, "upload") if refused else None

    def _headers(self, job: UploadJob, stored: Stored, conditional: bool) -> dict[str, str]:
        headers = {
            "Content-Length": str(stored.size),
            "Content-MD5": content_md5(stored.md5),
            "Content-Type": content_type(job.name),
            "Cache-Control": job.cache_control,
        }
        if stored.encoding:
            headers["Content-Encoding"] = stored.encoding
        if conditional:
            headers["If-None-Match"] = "*"  # a hashed name is written once, never overwritten
        return headers

    @staticmethod
    def _body(job: UploadJob) -> tuple[bytes | None, Stored]:
        """The bytes to send (None: stream the file) and what they store."""
        if not job.compress:
            return None, Stored(job.size, job.md5, job.content_encoding)
        with _open(job) as handle:
            body, encoding = _read(job, handle)
        if encoding is None:
            return body, Stored(job.size, job.md5, None)
        return body, Stored(
            len(body), hashlib.md5(body, usedforsecurity=False).hexdigest(), encoding
        )

    def _put(self, bucket: Bucket, job: UploadJob) -> None:
        key = self.config.key(job.name)
        try:
            body, stored = self._body(job)
        except UnreadableFile as exc:
            with self._lock:
                self._failures.append((job, exc))
            return

        def put(conditional: bool) -> int:
            headers = self._headers(job, stored, conditional)
            if body is not None:
                with self.limiter:
                    return bucket.put(key, body, headers)
            with self.limiter, _open(job) as stream:
                return bucket.put(key, stream, headers)

        def send() -> int:
            conditional = job.immutable and self._conditional
            try:
                return put(conditional)
            except S3Error as exc:
                if not (conditional and exc.refuses_condition):
                    raise
            self._conditional = False
            self.result.unconditional = True
            return put(False)

        def on_failure(exc: Exception) -> None:
            if is_throttle(exc):
                self.limiter.on_throttle()

        try:
            status = self.policy.call(send, on_failure)
        except Exception as exc:
            with self._lock:
                self._failures.append((job, exc))
            return
        self.limiter.on_success()
        with self._lock:
            self.result.stored[job.name] = stored
            if status == 412:
                # Another build (or an earlier try whose answer was lost) wrote this
                # content-addressed name first: same name, same content.
                self.result.already_there.append(job.name)
            else:
                self.result.uploaded.append(job.name)
                self.result.bytes += stored.size
                self.result.collected_bytes += job.size
                self.result.compressed += stored.encoding is not None and job.compress

    def _report(self, started: float) -> None:
        if self.progress is None:
            return
        with self._lock:
            result = self.result
            done = len(result.uploaded) + len(result.already_there) + len(result.failed)
            waiting = len(self._failures)  # retried in a later round: counted as done for now
            self.progress(done + waiting, self.total, result.bytes, time.monotonic() - started)
