"""Every setting the buildpack, the commands and the dyno storage read, in one place.

The S3 settings keep django-storages' names, so an app that already uses them needs nothing new.
A value comes, first hit winning, from the ``OPTIONS`` of ``STORAGES["staticfiles"]`` (where
django-storages documents its settings since Django 4.2), from the ``AWS_*`` Django settings, or
from the environment (Heroku config vars): the same order at build time and on the dyno, so the
build uploads to exactly the place the dyno renders URLs for.
https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html#settings
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import S3StaticError

#: Names read from the app's settings (or the environment), as django-storages spells them.
S3_SETTINGS = (
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_CUSTOM_DOMAIN",
    "AWS_S3_URL_PROTOCOL",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_VERIFY",
    "AWS_LOCATION",
)
#: django-storages' other spellings of a setting, which win over ours as they do there.
SETTING_ALIASES = {
    "AWS_S3_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID",
    "AWS_S3_SECRET_ACCESS_KEY": "AWS_SECRET_ACCESS_KEY",
    "AWS_SECURITY_TOKEN": "AWS_SESSION_TOKEN",
}
#: django-storages' ``OPTIONS`` keys for ``STORAGES["staticfiles"]``, and the setting of each.
STORAGE_OPTIONS = {
    "bucket_name": "AWS_STORAGE_BUCKET_NAME",
    "access_key": "AWS_ACCESS_KEY_ID",
    "secret_key": "AWS_SECRET_ACCESS_KEY",
    "security_token": "AWS_SESSION_TOKEN",
    "session_token": "AWS_SESSION_TOKEN",
    "region_name": "AWS_S3_REGION_NAME",
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "custom_domain": "AWS_S3_CUSTOM_DOMAIN",
    "url_protocol": "AWS_S3_URL_PROTOCOL",
    "addressing_style": "AWS_S3_ADDRESSING_STYLE",
    "verify": "AWS_S3_VERIFY",
    "location": "AWS_LOCATION",
}
SECRET_SETTINGS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

#: The buildpack's numeric switches: config var, default, lowest and highest allowed.
NUMBERS = {
    "concurrency": ("DJANGO_S3_STATIC_CONCURRENCY", 32, 1, 256),
    "connect_timeout": ("DJANGO_S3_STATIC_CONNECT_TIMEOUT", 5, 1, 60),
    "read_timeout": ("DJANGO_S3_STATIC_READ_TIMEOUT", 30, 1, 600),
    "max_attempts": ("DJANGO_S3_STATIC_MAX_ATTEMPTS", 5, 1, 20),
}
#: The buildpack's on/off switches (``1``, ``true``, ``yes``, ``on`` are on), all off by default.
FLAGS = {
    "skip_public_check": "DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK",
    "debug": "DJANGO_S3_STATIC_DEBUG",
    "set_cors": "DJANGO_S3_STATIC_SET_CORS",
    "strict_references": "DJANGO_S3_STATIC_STRICT_REFERENCES",
    # Set by .profile.d when the Procfile's release command runs promote_static.
    "release_promotes": "DJANGO_S3_STATIC_RELEASE_PROMOTES",
}
#: The buildpack's settings that take one of a few values: config var, accepted values (the first
#: spelling is the one documented), default. The on/off ones also take 1/0, true/false, yes/no.
CHOICES = {
    # gzip: store compressible files compressed; auto: gzip unless a CDN domain compresses at the
    # edge (AWS_S3_CUSTOM_DOMAIN); off: store every file as collected (``s3.encoding``).
    "compress": ("DJANGO_S3_STATIC_COMPRESS", ("auto", "gzip", "off"), "auto"),
    # This package's tags render scripts and stylesheets with their integrity digest.
    "integrity": ("DJANGO_S3_STATIC_INTEGRITY", ("on", "off"), "on"),
    # django-pipeline's {% stylesheet %} and {% javascript %} do too (off: they render as before).
    "pipeline_integrity": ("DJANGO_S3_STATIC_PIPELINE_INTEGRITY", ("on", "off"), "off"),
    # A name missing from the static cache raises, as Django's manifest storage does (on), or
    # renders the unhashed copy's URL and logs the name once (off).
    "manifest_strict": ("DJANGO_S3_STATIC_MANIFEST_STRICT", ("on", "off"), "on"),
}
_SWITCH_SPELLINGS = {
    **dict.fromkeys(("1", "true", "yes", "on"), "on"),
    **dict.fromkeys(("0", "false", "no", "off"), "off"),
}
CACHE_DIR = "DJANGO_S3_STATIC_CACHE_DIR"
CACHE_PATH = "DJANGO_S3_STATIC_CACHE_PATH"
CORS_ORIGINS = "DJANGO_S3_STATIC_CORS_ORIGINS"
DEFAULT_CACHE_DIR = "static_cache"
DEFAULT_CORS_ORIGINS = "*"
#: Every switch of the buildpack with its default, as a config var would spell it.
DEFAULTS = {
    CACHE_DIR: DEFAULT_CACHE_DIR,
    CORS_ORIGINS: DEFAULT_CORS_ORIGINS,
    **{name: str(default) for name, default, _, _ in NUMBERS.values()},
    **dict.fromkeys(FLAGS.values(), "0"),
    **{name: default for name, _, default in CHOICES.values()},
}

#: The static cache's file, inside the cache folder.
CACHE_FILE_NAME = "manifest.json"
#: The app's own ``STORAGES["staticfiles"]["BACKEND"]``, kept by the dyno's settings snippet
#: when it replaces it: the build honours what that class asks of Django's hashing, and a
#: command run on a dyno must see the same (``build.app_storage``).
APP_STATICFILES_BACKEND = "DJANGO_S3_STATIC_APP_STATICFILES_BACKEND"

_BUCKET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{1,253}[A-Za-z0-9]$")
_ADDRESSING_STYLES = ("auto", "path", "virtual")


def is_true(value: object) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def flag(values: Mapping[str, str], attribute: str) -> bool:
    """One on/off switch (``FLAGS``) from settings or config vars, without a whole Config."""
    return is_true(values.get(FLAGS[attribute]))


def _as_set(values: Mapping[str, str], attribute: str) -> str:
    name, accepted, default = CHOICES[attribute]
    raw = str(values.get(name) or "").strip().lower()
    return (_SWITCH_SPELLINGS.get(raw, raw) if accepted == ("on", "off") else raw) or default


def choice(values: Mapping[str, str], attribute: str, strict: bool = True) -> str:
    """One of the ``CHOICES`` settings, in its documented spelling (``on`` for ``1``).

    ``strict`` (the build): an unknown value raises, listing the accepted ones, so a typo fails
    the build instead of silently meaning the default. Not strict (the dyno, where a config var
    can change without a build): the default, and the system check names the value.
    """
    value = _as_set(values, attribute)
    if value in CHOICES[attribute][1]:
        return value
    if strict:
        raise S3StaticError(*choice_problem(values, attribute))
    return CHOICES[attribute][2]


def choice_problem(values: Mapping[str, str], attribute: str) -> tuple[str, str] | None:
    """What is wrong with a ``CHOICES`` setting's value, in two lines; None when it is valid."""
    name, accepted, default = CHOICES[attribute]
    if _as_set(values, attribute) in accepted:
        return None
    switch = accepted == ("on", "off")
    return (
        f"{name}={str(values.get(name)).strip()!r} is not one of "
        + ("on, off (or 1, 0, true, false, yes, no)." if switch else f"{', '.join(accepted)}."),
        f"Fix it, or unset it for the default ({default}): heroku config:unset {name}",
    )


def flag_problem(values: Mapping[str, str], attribute: str) -> tuple[str, str] | None:
    """An on/off switch (``FLAGS``) set to something that is neither (the build refuses it)."""
    name, raw = FLAGS[attribute], str(values.get(FLAGS[attribute]) or "").strip()
    if not raw or raw.lower() in _SWITCH_SPELLINGS:
        return None
    return (
        f"{name}={raw!r} is not one of 1, 0 (or on, off, true, false, yes, no).",
        f"Fix it, or unset it for the default (0): heroku config:unset {name}",
    )


def _number(values: Mapping[str, str], attribute: str) -> int:
    name, default, low, high = NUMBERS[attribute]
    raw = values.get(name) or str(default)
    try:
        number = int(raw)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise S3StaticError(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}.",
            f"Fix it with: heroku config:set {name}={default}",
        )
    return number


def cache_dir(values: Mapping[str, str]) -> str:
    """The static cache folder, relative to the app's folder, as written in a setting."""
    return (values.get(CACHE_DIR) or "").strip().strip("/") or DEFAULT_CACHE_DIR


def normalize_prefix(prefix: str) -> str:
    return "/".join(part for part in prefix.strip().split("/") if part)


@dataclass(frozen=True)
class Config:
    bucket: str
    location: str = ""
    region: str | None = None
    endpoint_url: str | None = None
    custom_domain: str | None = None
    url_protocol: str = "https:"
    addressing_style: str | None = None
    #: TLS verification of the S3 endpoint: True, False, or a CA bundle's path (django-storages'
    #: AWS_S3_VERIFY, else the AWS_CA_BUNDLE that boto3 and the AWS CLI read).
    verify: bool | str = True
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    cache_dir: str = DEFAULT_CACHE_DIR
    concurrency: int = NUMBERS["concurrency"][1]
    connect_timeout: int = NUMBERS["connect_timeout"][1]
    read_timeout: int = NUMBERS["read_timeout"][1]
    max_attempts: int = NUMBERS["max_attempts"][1]
    skip_public_check: bool = False
    debug: bool = False
    set_cors: bool = False
    strict_references: bool = False
    release_promotes: bool = False
    #: DJANGO_S3_STATIC_CORS_ORIGINS as set; the build parses it (``build.cors``), so a bad
    #: value fails the build, never a dyno that merely renders URLs.
    cors_origins_value: str = DEFAULT_CORS_ORIGINS
    #: The ``CHOICES`` settings, each as documented (``choice``); an unknown value means the
    #: default here (``check_values`` refuses it at build time).
    compress: str = CHOICES["compress"][2]
    integrity: str = CHOICES["integrity"][2]
    pipeline_integrity: str = CHOICES["pipeline_integrity"][2]
    manifest_strict: str = CHOICES["manifest_strict"][2]

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Config:
        """Build a config from settings/env values; raise S3StaticError on what cannot work."""
        return cls(
            bucket=_bucket(values),
            location=normalize_prefix(values.get("AWS_LOCATION") or ""),
            region=values.get("AWS_S3_REGION_NAME") or None,
            endpoint_url=(values.get("AWS_S3_ENDPOINT_URL") or "").rstrip("/") or None,
            custom_domain=(values.get("AWS_S3_CUSTOM_DOMAIN") or "").strip("/") or None,
            url_protocol=values.get("AWS_S3_URL_PROTOCOL") or "https:",
            addressing_style=_addressing_style(values),
            verify=_verify(values),
            access_key=values.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=values.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=values.get("AWS_SESSION_TOKEN") or None,
            cache_dir=cache_dir(values),
            cors_origins_value=(values.get(CORS_ORIGINS) or "").strip() or DEFAULT_CORS_ORIGINS,
            **{attribute: _number(values, attribute) for attribute in NUMBERS},
            **{attribute: flag(values, attribute) for attribute in FLAGS},
            **{attribute: choice(values, attribute, strict=False) for attribute in CHOICES},
        )

    @staticmethod
    def check_values(values: Mapping[str, str]) -> None:
        """At build time: refuse a switch or choice set to a value it does not take."""
        for attribute in FLAGS:
            problem = flag_problem(values, attribute)
            if problem:
                raise S3StaticError(*problem)
        for attribute in CHOICES:
            choice(values, attribute)

    @property
    def compression(self) -> str:
        """How compressible files are stored: "gzip" or "off".

        ``auto`` is gzip when the URLs point straight at the bucket, which cannot compress per
        request; off behind a CDN domain (AWS_S3_CUSTOM_DOMAIN), since CloudFront and Cloudflare
        compress at the edge, with Brotli for browsers that take it, and pass on an object stored
        gzip as it is:
        https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
        https://developers.cloudflare.com/speed/optimization/content/compression/
        """
        if self.compress == "auto":
            return "off" if self.custom_domain else "gzip"
        return self.compress

    def key(self, name: str) -> str:
        """The S3 key of a collected file, inside the configured prefix."""
        return f"{self.location}/{name}" if self.location else name

    @property
    def key_prefix(self) -> str:
        return f"{self.location}/" if self.location else ""

    @property
    def public_base_url(self) -> str:
        """Where browsers fetch the files: the custom domain, else the bucket's own URL."""
        if self.custom_domain:
            base = f"{self.url_protocol}//{self.custom_domain}"
        elif self.endpoint_url and self.addressing_style == "virtual":
            scheme, _, host = self.endpoint_url.partition("://")
            base = f"{scheme}://{self.bucket}.{host}"
        elif self.endpoint_url:
            base = f"{self.endpoint_url}/{self.bucket}"
        elif self.addressing_style == "path" or "." in self.bucket:
            # A dotted name in the host does not match the *.s3 TLS certificate in browsers.
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
            host = f"s3.{self.region}.amazonaws.com" if self.region else "s3.amazonaws.com"
            base = f"https://{host}/{self.bucket}"
        elif self.region:
            base = f"https://{self.bucket}.s3.{self.region}.amazonaws.com"
        else:
            base = f"https://{self.bucket}.s3.amazonaws.com"
        return f"{base}/{self.key_prefix}"

    def public_url_problem(self) -> str | None:
        """Why browsers can never read the files at ``public_base_url``, or None.

        A Cloudflare R2 bucket is public only through its r2.dev subdomain or a custom domain,
        never at the S3 API endpoint:
        https://developers.cloudflare.com/r2/buckets/public-buckets/
        """
        host = (self.endpoint_url or "").partition("://")[2].split("/")[0].lower()
        if not self.custom_domain and host.endswith(".r2.cloudflarestorage.com"):
            return (
                "Cloudflare R2's S3 endpoint is never public: set AWS_S3_CUSTOM_DOMAIN to the "
                "bucket's public domain (its r2.dev subdomain, or a custom domain connected to it)"
            )
        return None


def _bucket(values: Mapping[str, str]) -> str:
    bucket = (values.get("AWS_STORAGE_BUCKET_NAME") or "").strip()
    if not bucket:
        raise S3StaticError(
            "No bucket configured: AWS_STORAGE_BUCKET_NAME is not set.",
            "The static files are uploaded to that S3 bucket. Set it, with the credentials:",
            "  heroku config:set AWS_STORAGE_BUCKET_NAME=my-bucket \\",
            "    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
        )
    if not _BUCKET_NAME.match(bucket):
        raise S3StaticError(
            f"AWS_STORAGE_BUCKET_NAME={bucket!r} is not a valid S3 bucket name.",
            "Bucket names are 3-63 lower-case letters, digits, dots and hyphens.",
        )
    return bucket


def _addressing_style(values: Mapping[str, str]) -> str | None:
    style = (values.get("AWS_S3_ADDRESSING_STYLE") or "").strip().lower() or None
    if style is not None and style not in _ADDRESSING_STYLES:
        raise S3StaticError(
            f"AWS_S3_ADDRESSING_STYLE={style!r} is not one of {', '.join(_ADDRESSING_STYLES)}.",
            "Unset it to let the buildpack choose (path style on a custom endpoint).",
        )
    return None if style == "auto" else style


def _verify(values: Mapping[str, str]) -> bool | str:
    raw = (values.get("AWS_S3_VERIFY") or "").strip()
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    if raw and raw.lower() not in ("1", "true", "yes", "on"):
        return raw
    return (values.get("AWS_CA_BUNDLE") or "").strip() or True


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (str, int)):
        return str(value)
    return None


def storage_options_values(options: Mapping[str, Any]) -> dict[str, str]:
    """django-storages' ``OPTIONS`` as the settings they stand for."""
    found = {}
    for option, setting in STORAGE_OPTIONS.items():
        text = _text(options.get(option))
        if text is not None:
            found[setting] = text
    return found


def values_from_settings(settings: object) -> dict[str, str]:
    """The S3 and buildpack settings an app's Django settings define, as strings: the ``AWS_*``
    names (django-storages' aliases winning), then ``STORAGES["staticfiles"]["OPTIONS"]``."""
    values = {}
    for name in (*S3_SETTINGS, *DEFAULTS, CACHE_PATH, *SETTING_ALIASES):
        text = _text(getattr(settings, name, None))
        if text is not None:
            values[SETTING_ALIASES.get(name, name)] = text
    storages = getattr(settings, "STORAGES", None)
    staticfiles = storages.get("staticfiles") if isinstance(storages, dict) else None
    options = staticfiles.get("OPTIONS") if isinstance(staticfiles, dict) else None
    if isinstance(options, dict):
        values.update(storage_options_values(options))
    return values


def runtime_values(settings: object, environ: Mapping[str, str]) -> dict[str, str]:
    """On the dyno and in the commands: the app's settings win over config vars, as at build."""
    return {**environ, **values_from_settings(settings)}


def runtime_cache_file(values: Mapping[str, str]) -> str:
    """Where the dyno reads the static cache: the path .profile.d exports, else ./static_cache."""
    folder = values.get(CACHE_PATH) or os.path.abspath(cache_dir(values))
    return os.path.join(folder, CACHE_FILE_NAME)
