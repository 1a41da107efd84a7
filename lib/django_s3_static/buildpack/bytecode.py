"""The slug's bytecode, and the build helper's own, kept in the build cache: the same sources
compile to the same files.

The bytecode is hash-based and unchecked, as heroku/python ships its standard library
(``compileall --invalidation-mode unchecked-hash`` in its builds/build_python_runtime.sh): a slug's
timestamps are not kept, and nothing changes its files after the build. Such a file depends on
the source's bytes and the interpreter alone, so one compiled before for the same sources by the
same Python is the file a compile would write; a build that changes nothing copies it.

The helper runs from a fresh copy of the buildpack every build (Heroku fetches it), with no
bytecode: it puts the bytecode kept for its own sources into that copy before importing them, and
a build that finds none compiles and keeps it for the next.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os

CACHED = os.path.join("django-s3-static", "bytecode")
PYCACHE = "__pycache__"


def compile_tree(folder: str, build_cache: str | None = None, checked: bool = False) -> None:
    """Unchecked-hash bytecode for every module under ``folder``; from ``build_cache`` when these
    sources were compiled there before, and kept there otherwise. ``checked``: checked-hash
    bytecode instead, which Python uses only while the source's hash is the one it was compiled
    from (the helper's: its folder may be a working copy someone edits)."""
    if build_cache and restore(folder, build_cache, checked):
        return
    import compileall  # lazy: only a compile needs it, not a build that restores
    import py_compile  # lazy: as above

    mode = py_compile.PycInvalidationMode
    invalidation = mode.CHECKED_HASH if checked else mode.UNCHECKED_HASH
    if not compileall.compile_dir(folder, quiet=2, invalidation_mode=invalidation, workers=1):
        raise RuntimeError(f"compiling {folder} failed")
    if build_cache:
        _keep(folder, os.path.join(build_cache, CACHED, sources_key(folder, checked)))


def restore(folder: str, build_cache: str, checked: bool = False) -> bool:
    """Put the bytecode kept in ``build_cache`` for exactly the sources of ``folder`` into it;
    whether there was any. A copy that fails leaves no bytecode at all, never part of it."""
    kept = os.path.join(build_cache, CACHED, sources_key(folder, checked))
    if not os.path.isdir(kept):
        return False
    try:
        for parent, _dirs, files in os.walk(kept):
            target = folder + parent[len(kept) :]
            os.makedirs(target, exist_ok=True)
            for name in files:
                _place(os.path.join(parent, name), os.path.join(target, name))
    except OSError:
        for parent, dirs, _ in os.walk(folder):
            if PYCACHE in dirs:
                _remove(os.path.join(parent, PYCACHE))
            dirs[:] = [name for name in dirs if name != PYCACHE]
        return False
    return True


def _remove(folder: str) -> None:
    import shutil  # lazy: only a failed restore removes what it placed

    shutil.rmtree(folder, ignore_errors=True)


def _place(source: str, target: str) -> None:
    """A kept file into the tree: a hard link where the build cache is on the same file system
    (one call; every writer of bytecode replaces its files, none writes into them), else a
    copy. A file already there is replaced, never written into: it may be another's link."""
    try:
        os.link(source, target)
        return
    except FileExistsError:
        os.unlink(target)
    except OSError:
        pass
    try:
        os.link(source, target)
    except OSError:
        import shutil  # lazy: only a build cache on another file system copies

        shutil.copyfile(source, target)


def sources_key(folder: str, checked: bool = False) -> str:
    """What the bytecode of ``folder`` depends on: the interpreter's bytecode version, how the
    bytecode is checked, and every module's path and bytes."""
    digest = hashlib.sha256(importlib.util.MAGIC_NUMBER + (b"checked" if checked else b""))
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
    import shutil  # lazy: a build that restores its bytecode keeps none
    import tempfile  # lazy: as above

    os.makedirs(os.path.dirname(kept), exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".bytecode-", dir=os.path.dirname(kept))
    try:
        for parent, dirs, _ in os.walk(folder):
            if PYCACHE in dirs:
                source = os.path.join(parent, PYCACHE)
                target = os.path.join(staging, os.path.relpath(source, folder))
                shutil.copytree(source, target, copy_function=shutil.copyfile)
            dirs[:] = [name for name in dirs if name != PYCACHE]
        os.rename(staging, kept)
    except OSError:  # another build kept the same files first, or the build cache is full
        shutil.rmtree(staging, ignore_errors=True)
