"""Every setting the buildpack, the commands and the dyno storage read, in one place.

The S3 settings keep django-storages' names, so an app that already uses them needs nothing new.
Values come from the app's Django settings when it defines them, else from the environment
(Heroku config vars): the same precedence at build time and on the dyno, so the build uploads to
exactly the place the dyno renders URLs for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import BuildError

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
    "AWS_LOCATION",
)
SECRET_SETTINGS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
#: Config vars whose names say they hold a secret: their values are redacted from the build log
#: too (the app's settings read them, and a settings error may quote the value it choked on).
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|(^|_)KEY$")

#: The buildpack's own switches, with their defaults (documented in the README).
DEFAULTS = {
    "DJANGO_S3_STATIC_CACHE_DIR": "static_cache",
    "DJANGO_S3_STATIC_CONCURRENCY": "32",
    "DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK": "0",
    "DJANGO_S3_STATIC_CONNECT_TIMEOUT": "5",
    "DJANGO_S3_STATIC_READ_TIMEOUT": "30",
    "DJANGO_S3_STATIC_MAX_ATTEMPTS": "5",
    "DJANGO_S3_STATIC_DEBUG": "0",
    "DJANGO_S3_STATIC_CORS_ORIGINS": "*",
    "DJANGO_S3_STATIC_SET_CORS": "0",
}

#: The static cache's file, inside DJANGO_S3_STATIC_CACHE_DIR.
CACHE_FILE_NAME = "manifest.json"

#: Config vars never passed to the app's processes at build time (heroku/python's rule).
UNSAFE_ENV = re.compile(r"^(PATH|GIT_DIR|CPATH|CPPATH|LD_.*|LIBRARY_PATH|PYTHONHOME|PYTHONPATH)$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_BUCKET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{1,253}[A-Za-z0-9]$")


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _int_setting(values: Mapping[str, str], name: str, low: int, high: int) -> int:
    raw = values.get(name) or DEFAULTS[name]
    try:
        number = int(raw)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise BuildError(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}.",
            f"Fix it with: heroku config:set {name}={DEFAULTS[name]}",
        )
    return number


@dataclass(frozen=True)
class Config:
    bucket: str
    location: str = ""
    region: str | None = None
    endpoint_url: str | None = None
    custom_domain: str | None = None
    url_protocol: str = "https:"
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    cache_dir: str = DEFAULTS["DJANGO_S3_STATIC_CACHE_DIR"]
    concurrency: int = 32
    connect_timeout: int = 5
    read_timeout: int = 30
    max_attempts: int = 5
    skip_public_check: bool = False
    debug: bool = False
    #: DJANGO_S3_STATIC_CORS_ORIGINS as set; parsed by ``cors_origins`` when the build needs it,
    #: so a bad value fails the build, never a dyno that merely renders URLs.
    cors_origins_value: str = DEFAULTS["DJANGO_S3_STATIC_CORS_ORIGINS"]
    set_cors: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Config:
        """Build a config from settings/env values; raise BuildError on what cannot work."""
        bucket = (values.get("AWS_STORAGE_BUCKET_NAME") or "").strip()
        if not bucket:
            raise BuildError(
                "No bucket configured: AWS_STORAGE_BUCKET_NAME is not set.",
                "The static files are uploaded to that S3 bucket. Set it, with the credentials:",
                "  heroku config:set AWS_STORAGE_BUCKET_NAME=my-bucket \\",
                "    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...",
            )
        if not _BUCKET_NAME.match(bucket):
            raise BuildError(
                f"AWS_STORAGE_BUCKET_NAME={bucket!r} is not a valid S3 bucket name.",
                "Bucket names are 3-63 lower-case letters, digits, dots and hyphens.",
            )
        cache_dir = (values.get("DJANGO_S3_STATIC_CACHE_DIR") or "").strip().strip("/")
        return cls(
            bucket=bucket,
            location=normalize_prefix(values.get("AWS_LOCATION") or ""),
            region=values.get("AWS_S3_REGION_NAME") or None,
            endpoint_url=(values.get("AWS_S3_ENDPOINT_URL") or "").rstrip("/") or None,
            custom_domain=(values.get("AWS_S3_CUSTOM_DOMAIN") or "").strip("/") or None,
            url_protocol=values.get("AWS_S3_URL_PROTOCOL") or "https:",
            access_key=values.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=values.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=values.get("AWS_SESSION_TOKEN") or None,
            cache_dir=cache_dir or DEFAULTS["DJANGO_S3_STATIC_CACHE_DIR"],
            concurrency=_int_setting(values, "DJANGO_S3_STATIC_CONCURRENCY", 1, 256),
            connect_timeout=_int_setting(values, "DJANGO_S3_STATIC_CONNECT_TIMEOUT", 1, 60),
            read_timeout=_int_setting(values, "DJANGO_S3_STATIC_READ_TIMEOUT", 1, 600),
            max_attempts=_int_setting(values, "DJANGO_S3_STATIC_MAX_ATTEMPTS", 1, 20),
            skip_public_check=is_true(values.get("DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK")),
            debug=is_true(values.get("DJANGO_S3_STATIC_DEBUG")),
            cors_origins_value=(values.get("DJANGO_S3_STATIC_CORS_ORIGINS") or "").strip()
            or DEFAULTS["DJANGO_S3_STATIC_CORS_ORIGINS"],
            set_cors=is_true(values.get("DJANGO_S3_STATIC_SET_CORS")),
        )

    def key(self, name: str) -> str:
        """The S3 key of a collected file, inside the configured prefix."""
        return f"{self.location}/{name}" if self.location else name

    @property
    def cors_origins(self) -> tuple[str, ...]:
        """The origins whose pages may load the fonts; BuildError when the value is unusable."""
        from .cors import parse_origins

        return parse_origins(self.cors_origins_value)

    @property
    def key_prefix(self) -> str:
        return f"{self.location}/" if self.location else ""

    @property
    def public_base_url(self) -> str:
        """Where browsers fetch the files: the custom domain, else the bucket's own URL."""
        if self.custom_domain:
            base = f"{self.url_protocol}//{self.custom_domain}"
        elif self.endpoint_url:
            base = f"{self.endpoint_url}/{self.bucket}"
        elif self.region:
            base = f"https://{self.bucket}.s3.{self.region}.amazonaws.com"
        else:
            base = f"https://{self.bucket}.s3.amazonaws.com"
        return f"{base}/{self.key_prefix}"


def values_from_settings(settings: object) -> dict[str, str]:
    """The S3 and buildpack settings an app's Django settings define, as strings."""
    values = {}
    for name in (*S3_SETTINGS, *DEFAULTS, "DJANGO_S3_STATIC_CACHE_PATH"):
        value = getattr(settings, name, None)
        if isinstance(value, bool):
            values[name] = "1" if value else "0"
        elif isinstance(value, (str, int)):
            values[name] = str(value)
    return values


def runtime_values(settings: object, environ: Mapping[str, str]) -> dict[str, str]:
    """On the dyno and in the commands: the app's settings win over config vars, as at build."""
    return {**environ, **values_from_settings(settings)}


def runtime_cache_file(values: Mapping[str, str]) -> str:
    """Where the dyno reads the static cache: the path .profile.d exports, else ./static_cache."""
    import os

    folder = values.get("DJANGO_S3_STATIC_CACHE_PATH") or os.path.abspath(
        values.get("DJANGO_S3_STATIC_CACHE_DIR") or DEFAULTS["DJANGO_S3_STATIC_CACHE_DIR"]
    )
    return os.path.join(folder, CACHE_FILE_NAME)


def normalize_prefix(prefix: str) -> str:
    return "/".join(part for part in prefix.strip().split("/") if part)


def app_env(env_dir_values: Mapping[str, str]) -> dict[str, str]:
    """The config vars the app's own processes may see at build time."""
    return {
        k: v for k, v in env_dir_values.items() if ENV_NAME.match(k) and not UNSAFE_ENV.match(k)
    }


def secret_values(env: Mapping[str, str]) -> list[str]:
    """What the build must never print: secret-named config vars, and the password of any URL."""
    import urllib.parse

    found = []
    for name, value in env.items():
        if name in SECRET_SETTINGS or SECRET_NAME.search(name):
            found.append(value)
        elif "://" in value:
            try:
                password = urllib.parse.urlsplit(value.strip()).password
            except ValueError:
                password = None
            if password:
                found += [password, urllib.parse.unquote(password)]
    return found


def read_env_dir(path: str) -> dict[str, str]:
    """Read Heroku's ENV_DIR: one file per config var, the file name is the key."""
    import os

    values: dict[str, str] = {}
    if not path or not os.path.isdir(path):
        return values
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if ENV_NAME.match(name) and os.path.isfile(full):
            with open(full, encoding="utf-8", errors="replace") as handle:
                values[name] = handle.read().rstrip("\n")
    return values
