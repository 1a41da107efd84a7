"""Where a slug's static files were published, where the settings say, and which one pages use.

A slug can run with settings naming another place (a promotion, a rollback:
https://devcenter.heroku.com/articles/pipelines, https://devcenter.heroku.com/articles/releases).
Pages link to the configured place only when the release phase runs ``promote_static``, which fills
it or stops the release (https://devcenter.heroku.com/articles/release-phase). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config
from .static_cache import StaticCache


def normalize_endpoint(url: str | None) -> str:
    """The S3 endpoint as compared: scheme and host in lower case, no trailing slash; "" is AWS."""
    url = (url or "").strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url.lower()
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str
    #: The S3 endpoint URL ("" for AWS); None when a cache older than this field does not say.
    endpoint: str | None = ""

    def __str__(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix + '/' if self.prefix else ''}"
        return f"{where} at {self.endpoint}" if self.endpoint else where

    def same_place(self, other: Location) -> bool:
        if (self.bucket, self.prefix) != (other.bucket, other.prefix):
            return False
        return self.endpoint is None or other.endpoint is None or self.endpoint == other.endpoint


def configured(config: Config) -> Location:
    return Location(config.bucket, config.location, normalize_endpoint(config.endpoint_url))


@dataclass(frozen=True)
class Serving:
    """Which place pages link to, and the problem to report when it is not the configured one."""

    location: Location
    problem: str | None = None


PROMOTE_HINT = (
    "To serve them from the configured place, copy them there in the release phase: "
    "add 'release: python manage.py promote_static' to the Procfile "
    "(before any other release command, joined with &&)."
)


def serving(recorded: Location | None, configured: Location, release_promotes: bool) -> Serving:
    """Link to ``configured`` if the objects are or will be there; else to ``recorded``."""
    if recorded is None or recorded.same_place(configured) or release_promotes:
        return Serving(configured)
    return Serving(
        recorded,
        f"this slug's static files were published to {recorded}, but the settings name "
        f"{configured}; pages link to the copies in {recorded}. {PROMOTE_HINT}",
    )


def public_config(config: Config, location: Location) -> Config:
    """The settings with the files' place replaced (a custom domain fronts only its own)."""
    if configured(config).same_place(location):
        return config
    endpoint = config.endpoint_url if location.endpoint is None else location.endpoint
    return Config(
        bucket=location.bucket,
        location=location.prefix,
        region=config.region,
        endpoint_url=endpoint or None,
        url_protocol=config.url_protocol,
        addressing_style=config.addressing_style,
        verify=config.verify,
    )


def recorded(cache: StaticCache) -> Location:
    """Where a static cache's objects were published."""
    return Location(cache.bucket, cache.prefix, cache.endpoint)
