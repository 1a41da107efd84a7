"""Unhashed copies another uploader replaced in the bucket: stored again as the static cache says.

Hashed objects are the contract: a name with its content's hash is written once and pages link
to it, so one that differs means the bucket is not what the slug needs, and the build collects.
The unhashed copies (``css/site.css`` beside ``css/site.8ed7c32d6068.css``) are overwritable: the
build itself stores them with a short ``max-age``, for what asks for a static file by its plain
name. Another uploader may replace them, in another form (``collectstatic`` with django-storages or
Collectfasta in ``bin/post_compile``, uncompressed where this build stored gzip). Such a copy is
no reason to collect: the build stores it again from its source, the file the finders listed
first under that name (collectstatic copies it as it is), when that gives exactly the object the
static cache records (size and MD5 of the stored bytes, in the same form). A copy whose source
gives another object (one made by post-processing, a django-pipeline package) is left to a
collect, as before.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping

from .. import output
from ..config import Config
from ..errors import S3StaticError
from ..format.static_cache import StaticObject
from ..s3.compare import ORIGINAL_CACHE_CONTROL, Difference
from ..s3.encoding import GZIP, stored_form
from ..s3.upload import Uploader, UploadJob


def source_file(name: str, roots: Iterable[Iterable[str]]) -> str | None:
    """The file collectstatic copies to ``name``: the first of the source folders (``[prefix,
    folder]``, in the finders' order) that holds it, and only inside that folder."""
    for prefix, folder in roots:
        if prefix and not name.startswith(prefix + "/"):
            continue
        relative = name[len(prefix) + 1 :] if prefix else name
        path = os.path.join(folder, *relative.split("/"))
        if os.path.isfile(path):
            inside = os.path.realpath(folder) + os.sep
            return path if os.path.realpath(path).startswith(inside) else None
    return None


def job_for(name: str, recorded: StaticObject, path: str) -> UploadJob | None:
    """The upload that stores ``path`` under ``name`` as ``recorded`` says, or None when the file
    does not give that object."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    body, encoding = stored_form(data) if recorded.encoding == GZIP else (data, None)
    if encoding != recorded.encoding or len(body) != recorded.size:
        return None
    if hashlib.md5(body, usedforsecurity=False).hexdigest() != recorded.md5:
        return None
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return UploadJob(
        name, path, len(data), md5, False, ORIGINAL_CACHE_CONTROL, compress=encoding == GZIP
    )


def plan(
    diffs: list[Difference],
    objects: Mapping[str, StaticObject],
    roots: Iterable[Iterable[str]] | None,
) -> tuple[list[UploadJob], list[Difference]]:
    """The uploads that refresh the unhashed copies in ``diffs``, and those no source gives."""
    roots = list(roots or ())
    jobs, left = [], []
    for diff in diffs:
        path = source_file(diff.name, roots) if roots else None
        job = job_for(diff.name, objects[diff.name], path) if path else None
        if job is None:
            left.append(diff)
        else:
            jobs.append(job)
    return jobs, left


def refresh(config: Config, jobs: list[UploadJob]) -> None:
    """Store the unhashed copies again; raise (before the release is recorded) on a failure."""
    if not jobs:
        return
    result = Uploader(config).run(jobs)
    if result.failed:
        name, first = result.failed[0]
        raise S3StaticError(
            f"{len(result.failed)} of {len(jobs)} unhashed copies could not be stored again; "
            f"first: {name}",
            first.title,
            *first.details,
            "Nothing was released. Run the build again.",
        )
    names = sorted(job.name for job in jobs)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    output.info(
        f"Stored again {len(names)} unhashed cop{'ies' if len(names) != 1 else 'y'} another "
        f"upload had replaced in the bucket ({shown}), as the static cache records "
        f"{'them' if len(names) != 1 else 'it'}"
    )
