"""The app's process of ``bin/test-compile``: the build's own fingerprint, and what changed."""

from __future__ import annotations

import hashlib
import json
import os
import sys

from .. import output
from ..config import SECRET_SETTINGS, static_cache_dir
from ..errors import S3StaticError
from ..format import static_cache
from ..s3.content_types import compressible
from ..s3.encoding import integrity_value
from . import collect
from .name_check import pipeline_outputs

USAGE = "usage: python -m django_s3_static.collect.ci_app --result FILE --committed FILE"
#: Added to a settings error: in Heroku CI, the config vars are not the app's.
CI_CONFIG_VARS = (
    "In Heroku CI the settings see the CI config vars, not the app's: set them in app.json",
    '("environments": {"test": {"env": {...}}}) or with heroku ci:config:set NAME=value.',
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    options = dict(zip(args[::2], args[1::2], strict=False))
    if len(args) != 4 or set(options) != {"--result", "--committed"}:
        raise SystemExit(USAGE)
    for name in SECRET_SETTINGS:
        output.register_secret(os.environ.get(name))
    try:
        report = check(options["--committed"])
    except S3StaticError as exc:
        settings_error = exc.title.startswith("The settings module")
        output.error(exc.title, [*exc.details, *(CI_CONFIG_VARS if settings_error else ())])
        return exc.exit_code
    descriptor = os.open(options["--result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return 0


def check(committed: str) -> dict:
    """The build's fingerprint of the sources, and each source's MD5 when stale."""
    report = collect.run(None, collect.committed_record(committed))
    values = {**os.environ, **report["settings"]}
    report["cache_file"] = static_cache.path_in(os.getcwd(), static_cache_dir(values))
    try:
        recorded, _ = static_cache.load_sources_record(report["cache_file"])
    except static_cache.CacheError:
        return report  # absent or unusable: the parent reads it and says which
    if recorded != report["fingerprint"]:
        if report.get("settings_only"):  # the cache the config vars named matched, not this one
            collect.start_django()
        report["digests"], report["generated"], report["integrities"] = source_digests()
    return report


def source_digests() -> tuple[dict[str, str], list[str] | None, dict[str, str]]:
    """Source MD5s, django-pipeline's outputs, integrity digests (gzip objects' MD5s differ)."""
    from django.apps import apps  # lazy: Django, set up by collect.run
    from django.contrib.staticfiles.finders import get_finders  # lazy: as above

    ignore = apps.get_app_config("staticfiles").ignore_patterns
    digests: dict[str, str] = {}
    integrities: dict[str, str] = {}
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name not in digests:
                found = [hashlib.md5(usedforsecurity=False)]
                if compressible(name):
                    found.append(hashlib.sha384())
                with storage.open(path) as handle:
                    for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
                        for digest in found:
                            digest.update(chunk)
                digests[name] = found[0].hexdigest()
                if len(found) > 1:
                    integrities[name] = integrity_value(found[1].digest())
    from django.conf import settings  # lazy: read once the settings are loaded

    generated = pipeline_outputs(settings) if apps.is_installed("pipeline") else None
    return digests, generated, integrities


if __name__ == "__main__":
    sys.exit(main())
