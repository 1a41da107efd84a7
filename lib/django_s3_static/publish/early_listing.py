"""List where the static cache was published while the app's process reads the settings."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .. import output
from ..config import Config
from ..errors import S3StaticError
from ..format import static_cache
from ..s3 import listing
from ..s3.bucket import Bucket
from ..s3.errors import RegionMismatch, explain
from ..s3.types import RemoteObject

#: What must be equal for two configs to list the same objects the same way.
LISTING_FIELDS = (
    "bucket",
    "location",
    "region",
    "endpoint_url",
    "addressing_style",
    "access_key",
    "secret_key",
    "session_token",
    "connect_timeout",
    "read_timeout",
    "max_attempts",
)


def list_inventory(
    config: Config, names: Iterable[str] = ()
) -> tuple[dict[str, RemoteObject], int]:
    """Every object under the prefix and the requests it took, read in ranges of ``names``."""
    prefix = config.key_prefix  # ``config.key`` of every name, without a call per name
    expected = sorted([prefix + name for name in names])
    try:
        with Bucket(config, listing.MAX_RANGES if expected else 1) as bucket:
            return bucket.list(expected=expected)
    except Exception as exc:
        raise explain(exc, config, "list") from None


def follow_region(config: Config, mismatch: RegionMismatch) -> Config:
    """Sign for the region S3 names, if none was set; a wrong one fails (the dyno's URLs use it)."""
    if config.region is not None:
        raise mismatch
    output.info(
        f"The bucket is in {mismatch.region}: following it "
        f"(heroku config:set AWS_S3_REGION_NAME={mismatch.region} saves the detour)"
    )
    return dataclasses.replace(config, region=mismatch.region)


def list_in_region(
    config: Config, names: Iterable[str] = ()
) -> tuple[Config, dict[str, RemoteObject], int]:
    """``list_inventory``, following the bucket's region; with the config that listed."""
    try:
        return config, *list_inventory(config, names)
    except RegionMismatch as exc:
        config = follow_region(config, exc)
        return config, *list_inventory(config, names)


class Hint(NamedTuple):
    """Where a static cache says it was published, and the objects it names (their names are
    what counts): a ``StaticCache`` is one too."""

    bucket: str
    prefix: str
    objects: Mapping[str, object]


def hint_of(document: object) -> Hint | None:
    """The hint a static cache's decoded JSON gives before it is checked: enough to list there
    while it is, since the listing is used only where the checked settings list alike."""
    if not isinstance(document, dict):
        return None
    location, objects = document.get("location"), document.get("objects")
    if not isinstance(location, dict) or not isinstance(objects, dict):
        return None
    bucket, prefix = location.get("bucket"), location.get("prefix", "")
    if not isinstance(bucket, str) or not isinstance(prefix, str):
        return None
    return Hint(bucket, prefix, objects)


def start(values: Mapping[str, str], committed_file: str) -> EarlyListing:
    """The early listing of a build, from the committed static cache's JSON as read."""
    try:
        document = static_cache.read_document(committed_file)
    except static_cache.CacheError:
        document = None  # the build says why once it reads the cache the settings name
    return EarlyListing(values, hint_of(document))


class EarlyListing:
    """A listing from the config vars and static cache, used if the settings list alike.

    Its failure is raised only if it is the answer the real listing would have given.
    """

    def __init__(self, values: Mapping[str, str], committed: Hint | None) -> None:
        self.config: Config | None = None
        self._answer: tuple[dict[str, RemoteObject], int] | None = None
        self._error: Exception | None = None
        self._seconds = 0.0
        self._thread: threading.Thread | None = None
        #: The objects the static cache expects (``list_inventory``).
        self.names: list[str] = list(committed.objects) if committed is not None else []
        if committed is None:
            return
        try:
            config = Config.from_values(
                {
                    **values,
                    "AWS_STORAGE_BUCKET_NAME": committed.bucket,
                    "AWS_LOCATION": committed.prefix,
                }
            )
        except S3StaticError:
            return
        if not (config.access_key and config.secret_key):
            return  # credentials from elsewhere: boto3 finds them once the settings are known
        self.config = config
        self._thread = threading.Thread(target=self._list, daemon=True)
        self._thread.start()

    def _list(self) -> None:
        started = time.monotonic()
        try:
            self._answer = list_inventory(self.config, self.names)
        except Exception as exc:
            self._error = exc
        self._seconds = time.monotonic() - started

    def result(self, config: Config) -> tuple[dict[str, RemoteObject], int, float | None]:
        """(inventory, requests, seconds the early listing took, or None if it was not used)."""
        if self._thread is not None:
            self._thread.join()
            if self.config is not None and lists_alike(self.config, config):
                if self._error is not None:
                    raise self._error
                inventory, requests = self._answer
                return inventory, requests, self._seconds
        inventory, requests = list_inventory(config, self.names)
        return inventory, requests, None


def lists_alike(a: Config, b: Config) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in LISTING_FIELDS)
