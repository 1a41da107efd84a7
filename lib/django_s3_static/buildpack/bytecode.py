"""The slug's bytecode, kept in the build cache: the same sources compile to the same files.

The bytecode is hash-based and unchecked, as heroku/python ships its standard library
(``compileall --invalidation-mode unchecked-hash`` in its builds/build_python_runtime.sh): a slug's
timestamps are not kept, and nothing changes its files after the build. Such a file depends on
the source's bytes and the interpreter alone, so one compiled before for the same sources by the
same Python is the file a compile would write; a build that changes nothing copies it.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.util
import os
import py_compile
import shutil
import tempfile

CACHED = os.path.join("django-s3-static", "bytecode")
PYCACHE = "__pycache__"


def compile_tree(folder: str, build_cache: str | None = None) -> None:
    """Unchecked-hash bytecode for every module under ``folder``; from ``build_cache`` when these
    sources were compiled there before, and kept there otherwise."""
    kept = os.path.join(build_cache, CACHED, sources_key(folder)) if build_cache else None
    if kept and os.path.isdir(kept):
        shutil.copytree(kept, folder, dirs_exist_ok=True)
        return
    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    if not compileall.compile_dir(folder, quiet=2, invalidation_mode=mode, workers=1):
        raise RuntimeError(f"compiling {folder} failed")
    if kept:
        _keep(folder, kept)


def sources_key(folder: str) -> str:
    """What the bytecode of ``folder`` depends on: the interpreter's bytecode version and every
    module's path and bytes."""
    digest = hashlib.sha256(importlib.util.MAGIC_NUMBER)
    for path in sorted(_modules(folder)):
        digest.update(os.path.relpath(path, folder).encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()[:24]


def _modules(folder: str) -> list[str]:
    found = []
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if name != PYCACHE]
        found += [os.path.join(parent, name) for name in files if name.endswith(".py")]
    return found


def _keep(folder: str, kept: str) -> None:
    """Copy the ``__pycache__`` folders of ``folder`` to ``kept``, whole or not at all."""
    os.makedirs(os.path.dirname(kept), exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".bytecode-", dir=os.path.dirname(kept))
    try:
        for parent, dirs, _ in os.walk(folder):
            if PYCACHE in dirs:
                source = os.path.join(parent, PYCACHE)
                shutil.copytree(source, os.path.join(staging, os.path.relpath(source, folder)))
            dirs[:] = [name for name in dirs if name != PYCACHE]
        os.rename(staging, kept)
    except OSError:  # another build kept the same files first, or the build cache is full
        shutil.rmtree(staging, ignore_errors=True)
