"""The fingerprint of a static build: all that can change what collectstatic produces (pure)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

FINGERPRINT_VERSION = "1"
SOURCES_CHANGED = "stale: the static sources changed since the cache was published"


def fingerprint(sources: Iterable[tuple[str, str]], context: Mapping[str, Any]) -> str:
    """Hash the sorted (path, content sha256) pairs and the output-shaping context."""
    digest = hashlib.sha256()
    digest.update(f"django-s3-static fingerprint {FINGERPRINT_VERSION}\n".encode())
    digest.update(json.dumps(context, sort_keys=True, default=repr).encode())
    # "\n<path>\0<hash>" for each source, in order: the same bytes as one update each.
    lines = "".join(f"\n{path}\0{content_hash}" for path, content_hash in sorted(sources))
    digest.update(lines.encode("utf-8", "surrogateescape"))
    return "sha256:" + digest.hexdigest()


def file_sha256(handle: Any, chunk_size: int = 1024 * 1024) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(chunk_size), b""):
        digest.update(chunk)
    return digest.hexdigest()


def why_stale(published: Mapping[str, Any] | None, current: Mapping[str, Any] | None) -> str:
    """Why a fingerprint differs: the first context entry that changed, else the sources."""
    if current is None:
        return SOURCES_CHANGED
    if published is None:
        return (
            "stale: the cache predates this version of django-s3-static "
            f"({current.get('django-s3-static')}), which fingerprints more of what shapes "
            "the output"
        )
    for key in _ORDER:
        old, new = published.get(key), current.get(key)
        if old != new:
            return "stale: " + _change(key, old, new)
    return SOURCES_CHANGED


_ORDER = (
    "django-s3-static",
    "django",
    "pipeline",
    "PIPELINE",
    "STATIC_URL",
    "strict_references",
    "hashing",
)


#: The context's parts that come from the settings, by the setting's name: a publish with other
#: values than the deployed settings' makes every build's cache stale, whoever publishes again.
_SETTINGS = {
    "PIPELINE": "PIPELINE",
    "STATIC_URL": "STATIC_URL",
    "strict_references": "DJANGO_S3_STATIC_STRICT_REFERENCES",
    "hashing": "STORAGES['staticfiles']",
}


def changed_setting(published: Mapping[str, Any] | None, current: Mapping[str, Any] | None) -> str:
    """The setting whose value made the cache stale (``why_stale``'s first change), or ""."""
    if not published or not current:
        return ""
    for key in _ORDER:
        if published.get(key) != current.get(key):
            return _SETTINGS.get(key, "")
    return ""


def _change(key: str, old: Any, new: Any) -> str:
    if key == "django-s3-static":
        return (
            f"the cache was published by django-s3-static {old}, this build runs {new} "
            "(its post-processing may differ)"
        )
    if key in ("django", "pipeline"):
        name = "Django" if key == "django" else "django-pipeline"
        then = f"with {name} {old}" if old else f"without {name}"
        return f"the cache was published {then}, the app has {new or 'none'}"
    if key == "STATIC_URL":
        return (
            f"STATIC_URL changed from {_url(old)} to {_url(new)} since the cache was published "
            "(post-processing rewrites the references under it)"
        )
    if key == "PIPELINE":
        return "the PIPELINE settings changed since the cache was published"
    if key == "hashing":
        return (
            "what STORAGES['staticfiles'] asks of Django's hashing changed since the cache was "
            f"published ({_hashing(old)} then, {_hashing(new)} now)"
        )
    return "DJANGO_S3_STATIC_STRICT_REFERENCES changed since the cache was published"


def _hashing(value: Any) -> str:
    if not value:
        return "Django's defaults"
    return ", ".join(f"{name}={item!r}" for name, item in sorted(value.items()))


def _url(value: Any) -> str:
    return "a full URL" if value is None else repr(value)
