"""Every setting the buildpack, the commands and the dyno read: one row each, pure data.

A row says where the setting is read, so a process never fails on a value it does not use: a
dyno rendering ``{% static %}`` does not stop over a build-only number. ``config`` parses the rows.
The S3 settings keep django-storages' names, so an app that already uses them needs nothing new:
https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html#settings
(``DJANGO_S3_STATIC_WRAP_SETTINGS`` is not here: ``settings_hook`` reads it before the package is
importable.)
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where a setting is read. The build: the buildpack, and ``publish_static``, which publishes the
#: same way. The dyno: the storage, the settings snippet and the system check. The commands:
#: ``promote_static``, ``verify_static``, ``prune_static``.
BUILD, DYNO, COMMANDS = "build", "dyno", "commands"
EVERYWHERE = (BUILD, DYNO, COMMANDS)
#: What talks to S3: the build and the commands; the dyno only renders URLs.
S3_CLIENTS = (BUILD, COMMANDS)

#: The kinds of value.
NUMBER = "number"  # a whole number from ``low`` to ``high``
FLAG = "flag"  # on or off: 1, true, yes, on / 0, false, no, off
CHOICE = "choice"  # one of ``accepted``; the on/off ones take the flag spellings too
TEXT = "text"  # any string, without surrounding spaces
URL = "url"  # a URL or host, without surrounding spaces or slashes
PATH = "path"  # a relative path, without leading, trailing or doubled slashes
ON_OFF = ("on", "off")

STATIC_CACHE_DIR = "DJANGO_S3_STATIC_CACHE_DIR"
DEFAULT_STATIC_CACHE_DIR = "static_cache"
STATIC_CACHE_PATH = "DJANGO_S3_STATIC_CACHE_PATH"


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str
    #: The value when unset, parsed (``None``: no value).
    default: object
    where: tuple[str, ...]
    low: int = 0
    high: int = 0
    accepted: tuple[str, ...] = ()
    #: django-storages' ``OPTIONS`` keys of ``STORAGES["staticfiles"]`` for the same setting.
    options: tuple[str, ...] = ()
    #: django-storages' other names of the setting, which win over this one as they do there.
    aliases: tuple[str, ...] = ()
    secret: bool = False


#: Keyed by the ``Config`` field each fills.
SETTINGS = {
    "bucket": Setting("AWS_STORAGE_BUCKET_NAME", TEXT, "", EVERYWHERE, options=("bucket_name",)),
    "location": Setting("AWS_LOCATION", PATH, "", EVERYWHERE, options=("location",)),
    "region": Setting("AWS_S3_REGION_NAME", TEXT, None, EVERYWHERE, options=("region_name",)),
    "endpoint_url": Setting(
        "AWS_S3_ENDPOINT_URL", URL, None, EVERYWHERE, options=("endpoint_url",)
    ),
    "custom_domain": Setting(
        "AWS_S3_CUSTOM_DOMAIN", URL, None, EVERYWHERE, options=("custom_domain",)
    ),
    "url_protocol": Setting(
        "AWS_S3_URL_PROTOCOL", TEXT, "https:", EVERYWHERE, options=("url_protocol",)
    ),
    # The dyno's URLs depend on it too (``Config.public_base_url``).
    "addressing_style": Setting(
        "AWS_S3_ADDRESSING_STYLE",
        CHOICE,
        "auto",
        EVERYWHERE,
        accepted=("auto", "path", "virtual"),
        options=("addressing_style",),
    ),
    # TLS verification: on, off, or a CA bundle's path (``config._verify``).
    "verify": Setting("AWS_S3_VERIFY", TEXT, "", S3_CLIENTS, options=("verify",)),
    "access_key": Setting(
        "AWS_ACCESS_KEY_ID",
        TEXT,
        None,
        S3_CLIENTS,
        options=("access_key",),
        aliases=("AWS_S3_ACCESS_KEY_ID",),
    ),
    "secret_key": Setting(
        "AWS_SECRET_ACCESS_KEY",
        TEXT,
        None,
        S3_CLIENTS,
        options=("secret_key",),
        aliases=("AWS_S3_SECRET_ACCESS_KEY",),
        secret=True,
    ),
    "session_token": Setting(
        "AWS_SESSION_TOKEN",
        TEXT,
        None,
        S3_CLIENTS,
        options=("security_token", "session_token"),
        aliases=("AWS_SECURITY_TOKEN",),
        secret=True,
    ),
    # The static cache's folder, relative to the app's folder.
    "static_cache_dir": Setting(STATIC_CACHE_DIR, PATH, DEFAULT_STATIC_CACHE_DIR, EVERYWHERE),
    # Where the dyno reads it, exported by .profile.d.
    "static_cache_path": Setting(STATIC_CACHE_PATH, TEXT, None, (DYNO, COMMANDS)),
    "concurrency": Setting("DJANGO_S3_STATIC_CONCURRENCY", NUMBER, 32, S3_CLIENTS, 1, 256),
    "connect_timeout": Setting("DJANGO_S3_STATIC_CONNECT_TIMEOUT", NUMBER, 5, S3_CLIENTS, 1, 60),
    "read_timeout": Setting("DJANGO_S3_STATIC_READ_TIMEOUT", NUMBER, 30, S3_CLIENTS, 1, 600),
    "max_attempts": Setting("DJANGO_S3_STATIC_MAX_ATTEMPTS", NUMBER, 5, S3_CLIENTS, 1, 20),
    "skip_public_check": Setting("DJANGO_S3_STATIC_SKIP_PUBLIC_CHECK", FLAG, False, (BUILD,)),
    "debug": Setting("DJANGO_S3_STATIC_DEBUG", FLAG, False, (BUILD,)),
    "set_cors": Setting("DJANGO_S3_STATIC_SET_CORS", FLAG, False, (BUILD,)),
    "strict_references": Setting("DJANGO_S3_STATIC_STRICT_REFERENCES", FLAG, False, (BUILD,)),
    # Set by .profile.d when the Procfile's release command runs promote_static.
    "release_promotes": Setting("DJANGO_S3_STATIC_RELEASE_PROMOTES", FLAG, False, (DYNO,)),
    # As set: the build parses it (``cors.parse_origins``).
    "cors_origins_value": Setting("DJANGO_S3_STATIC_CORS_ORIGINS", TEXT, "*", (BUILD,)),
    # gzip: store compressible files compressed; auto: gzip unless a CDN domain compresses at the
    # edge (AWS_S3_CUSTOM_DOMAIN); off: store every file as collected (``s3.encoding``).
    "compress": Setting(
        "DJANGO_S3_STATIC_COMPRESS", CHOICE, "auto", (BUILD,), accepted=("auto", "gzip", "off")
    ),
    # This package's tags render scripts and stylesheets with their integrity digest; the build
    # checks the bucket's CORS rules for them.
    "integrity": Setting(
        "DJANGO_S3_STATIC_INTEGRITY", CHOICE, "on", (BUILD, DYNO), accepted=ON_OFF
    ),
    # django-pipeline's {% stylesheet %} and {% javascript %} do too (off: they render as before).
    "pipeline_integrity": Setting(
        "DJANGO_S3_STATIC_PIPELINE_INTEGRITY", CHOICE, "off", (BUILD, DYNO), accepted=ON_OFF
    ),
    # A name missing from the static cache raises, as Django's manifest storage does (on), or
    # renders the unhashed copy's URL and logs the name once (off).
    "manifest_strict": Setting(
        "DJANGO_S3_STATIC_MANIFEST_STRICT", CHOICE, "on", (DYNO,), accepted=ON_OFF
    ),
}
