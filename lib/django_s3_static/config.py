"""Every setting the buildpack, the commands and the dyno read, parsed from one table.

A value comes, first hit winning, from the ``OPTIONS`` of ``STORAGES["staticfiles"]`` (where
django-storages documents its settings since Django 4.2), from the app's Django settings, or from
the environment (Heroku config vars): the same order at build time and on the dyno, so the build
uploads to exactly the place the dyno renders URLs for. The rows are in ``settings_table``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import S3StaticError
from .settings_table import BUILD, CHOICE, DYNO, FLAG, NUMBER, ON_OFF, PATH, SETTINGS, URL, Setting

#: django-storages' ``OPTIONS`` keys for ``STORAGES["staticfiles"]``, and the setting of each.
STORAGE_OPTIONS = {option: s.name for s in SETTINGS.values() for option in s.options}
#: django-storages' other spellings of a setting, which win over ours as they do there.
SETTING_ALIASES = {alias: s.name for s in SETTINGS.values() for alias in s.aliases}
SECRET_SETTINGS = tuple(s.name for s in SETTINGS.values() if s.secret)
#: The static cache's file, inside its folder.
STATIC_CACHE_FILE_NAME = "manifest.json"
#: The app's own ``STORAGES["staticfiles"]["BACKEND"]``, kept by the dyno's settings snippet
#: when it replaces it: the build honours what that class asks of Django's hashing, and a
#: command run on a dyno must see the same (``collect.app_hashing``).
APP_STATICFILES_BACKEND = "DJANGO_S3_STATIC_APP_STATICFILES_BACKEND"

_SWITCH_SPELLINGS = {
    **dict.fromkeys(("1", "true", "yes", "on"), "on"),
    **dict.fromkeys(("0", "false", "no", "off"), "off"),
}
_BUCKET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{1,253}[A-Za-z0-9]$")
_BAD = object()


def _parsed(setting: Setting, raw: str) -> Any:
    """``raw`` (set, stripped) as the row's kind says; ``_BAD`` when the kind does not take it."""
    if setting.kind == NUMBER:
        try:
            number = int(raw)
        except ValueError:
            return _BAD
        return number if setting.low <= number <= setting.high else _BAD
    if setting.kind in (FLAG, CHOICE):
        word = raw.lower()
        if setting.kind == FLAG or setting.accepted == ON_OFF:
            word = _SWITCH_SPELLINGS.get(word, word)
        if setting.kind == FLAG:
            return {"on": True, "off": False}.get(word, _BAD)
        return word if word in setting.accepted else _BAD
    if setting.kind == PATH:
        return normalize_prefix(raw) or setting.default
    if setting.kind == URL:
        return raw.strip("/") or setting.default
    return raw


def shown_default(setting: Setting) -> str:
    """The default as a config var would spell it (``0`` for an off flag)."""
    if isinstance(setting.default, bool):
        return "1" if setting.default else "0"
    return str(setting.default)


def parse(values: Mapping[str, str], attribute: str, strict: bool = True) -> Any:
    """One setting (a ``SETTINGS`` key) from settings or config vars; unset means its default.

    A value its kind does not take raises with what to do when ``strict``, so a typo fails the
    build instead of silently meaning the default; else it means the default (on the dyno, where
    a config var can change without a build, the system check names it).
    """
    setting = SETTINGS[attribute]
    raw = str(values.get(setting.name) or "").strip()
    value = _parsed(setting, raw) if raw else setting.default
    if value is not _BAD:
        return value
    if strict:
        raise S3StaticError(*_problem_lines(setting, raw))
    return setting.default


def _problem_lines(setting: Setting, raw: str) -> tuple[str, str]:
    # Only numbers, flags and choices can be wrong, and no secret is one: the value can be shown.
    name = setting.name
    if setting.kind == NUMBER:
        return (
            f"{name} must be a whole number from {setting.low} to {setting.high}, not {raw!r}.",
            f"Fix it with: heroku config:set {name}={setting.default}",
        )
    if setting.kind == FLAG:
        accepted = "1, 0 (or on, off, true, false, yes, no)."
    elif setting.accepted == ON_OFF:
        accepted = "on, off (or 1, 0, true, false, yes, no)."
    else:
        accepted = f"{', '.join(setting.accepted)}."
    return (
        f"{name}={raw!r} is not one of {accepted}",
        f"Fix it, or unset it for the default ({shown_default(setting)}): "
        f"heroku config:unset {name}",
    )


def problem(values: Mapping[str, str], attribute: str) -> tuple[str, ...] | None:
    """What is wrong with a setting's value, in two lines; None when it is valid or unset."""
    try:
        parse(values, attribute)
    except S3StaticError as exc:
        return (exc.title, *exc.details)
    return None


def flag(values: Mapping[str, str], attribute: str) -> bool:
    """One on/off switch, without a whole Config; anything but an "on" spelling is off."""
    return parse(values, attribute, strict=False)


def static_cache_dir(values: Mapping[str, str]) -> str:
    """The static cache folder, relative to the app's folder, as written in a setting."""
    return parse(values, "static_cache_dir")


def normalize_prefix(prefix: str) -> str:
    return "/".join(part for part in prefix.strip().split("/") if part)


_DEFAULT = {attribute: setting.default for attribute, setting in SETTINGS.items()}


@dataclass(frozen=True)
class Config:
    """The settings as one process uses them: one field per ``SETTINGS`` row."""

    bucket: str
    location: str = _DEFAULT["location"]
    region: str | None = _DEFAULT["region"]
    endpoint_url: str | None = _DEFAULT["endpoint_url"]
    custom_domain: str | None = _DEFAULT["custom_domain"]
    url_protocol: str = _DEFAULT["url_protocol"]
    #: "path" or "virtual"; None is django-storages' auto (path style on a custom endpoint).
    addressing_style: str | None = None
    #: TLS verification of the S3 endpoint: True, False, or a CA bundle's path (django-storages'
    #: AWS_S3_VERIFY, else the AWS_CA_BUNDLE that boto3 and the AWS CLI read).
    verify: bool | str = True
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    static_cache_dir: str = _DEFAULT["static_cache_dir"]
    static_cache_path: str | None = _DEFAULT["static_cache_path"]
    concurrency: int = _DEFAULT["concurrency"]
    connect_timeout: int = _DEFAULT["connect_timeout"]
    read_timeout: int = _DEFAULT["read_timeout"]
    max_attempts: int = _DEFAULT["max_attempts"]
    skip_public_check: bool = _DEFAULT["skip_public_check"]
    debug: bool = _DEFAULT["debug"]
    set_cors: bool = _DEFAULT["set_cors"]
    strict_references: bool = _DEFAULT["strict_references"]
    release_promotes: bool = _DEFAULT["release_promotes"]
    #: DJANGO_S3_STATIC_CORS_ORIGINS as set; the build parses it (``cors.parse_origins``), so a
    #: bad value fails the build, never a dyno that merely renders URLs.
    cors_origins_value: str = _DEFAULT["cors_origins_value"]
    compress: str = _DEFAULT["compress"]
    integrity: str = _DEFAULT["integrity"]
    pipeline_integrity: str = _DEFAULT["pipeline_integrity"]
    manifest_strict: str = _DEFAULT["manifest_strict"]

    @classmethod
    def from_values(cls, values: Mapping[str, str], where: str = BUILD) -> Config:
        """The config of a process run ``where`` (BUILD, DYNO or COMMANDS of ``settings_table``).

        A setting not read there keeps its default, so a process never fails on a value it does
        not use. A bad value of one that is read raises S3StaticError, except on the dyno, where a
        config var can change without a build and pages must still render: there it means the
        default, and the system check names it. A missing or invalid bucket raises everywhere.
        """
        found = {
            attribute: parse(values, attribute, strict=where != DYNO)
            if where in setting.where
            else setting.default
            for attribute, setting in SETTINGS.items()
        }
        style = found["addressing_style"]
        found.update(
            bucket=_bucket(found["bucket"]),
            addressing_style=None if style == "auto" else style,
            verify=_verify(found["verify"], values),
        )
        return cls(**found)

    @staticmethod
    def check_values(values: Mapping[str, str]) -> None:
        """At build time: refuse any setting set to a value it does not take, wherever it is
        read, since the build is where a typo must surface."""
        for attribute in SETTINGS:
            found = problem(values, attribute)
            if found:
                raise S3StaticError(*found)

    @property
    def compression(self) -> str:
        """How compressible files are stored: "gzip" or "off".

        ``auto`` is gzip when the URLs point straight at the bucket, which cannot compress per
        request; off behind a CDN domain (AWS_S3_CUSTOM_DOMAIN), since CloudFront and Cloudflare
        compress at the edge (Brotli for browsers that take it) and pass a gzip object on as is:
        https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
        https://developers.cloudflare.com/speed/optimization/content/compression/"""
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
        """Why browsers can never read the files at ``public_base_url``, or None: a Cloudflare R2
        bucket is public only through its r2.dev subdomain or a custom domain, never at the S3 API
        endpoint (https://developers.cloudflare.com/r2/buckets/public-buckets/)."""
        host = (self.endpoint_url or "").partition("://")[2].split("/")[0].lower()
        if not self.custom_domain and host.endswith(".r2.cloudflarestorage.com"):
            return (
                "Cloudflare R2's S3 endpoint is never public: set AWS_S3_CUSTOM_DOMAIN to the "
                "bucket's public domain (its r2.dev subdomain, or a custom domain connected to it)"
            )
        return None


def _bucket(bucket: str) -> str:
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


def _verify(raw: str, values: Mapping[str, str]) -> bool | str:
    switch = _SWITCH_SPELLINGS.get(raw.lower())
    if switch == "off":
        return False
    if raw and switch is None:
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
    for name in (*(setting.name for setting in SETTINGS.values()), *SETTING_ALIASES):
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
    folder = parse(values, "static_cache_path") or os.path.abspath(static_cache_dir(values))
    return os.path.join(folder, STATIC_CACHE_FILE_NAME)
