"""The slug's bytecode: unchecked-hash files, kept in the build cache for the same sources."""

import compileall
import os
import subprocess
import sys

import pytest

from django_s3_static.buildpack import bytecode


def tree(root, body="VALUE = 1\n"):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(body)
    return root


def pyc_files(root):
    return {
        os.path.relpath(os.path.join(folder, name), root): open(
            os.path.join(folder, name), "rb"
        ).read()
        for folder, _, files in os.walk(root)
        for name in files
        if name.endswith(".pyc")
    }


def test_the_bytecode_is_unchecked_hash_based(tmp_path):
    bytecode.compile_tree(str(tree(tmp_path / "slug")))
    compiled = pyc_files(tmp_path / "slug")
    assert len(compiled) == 2
    for data in compiled.values():
        assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, not checked


def test_the_same_sources_take_the_kept_bytecode_without_compiling(tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    bytecode.compile_tree(str(tree(tmp_path / "first")), cache)
    first = pyc_files(tmp_path / "first")

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(compileall, "compile_dir", refuse)
    bytecode.compile_tree(str(tree(tmp_path / "second")), cache)
    assert pyc_files(tmp_path / "second") == first


def test_changed_sources_are_compiled_again(tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    bytecode.compile_tree(str(tree(tmp_path / "first")), cache)
    changed = tree(tmp_path / "second", "VALUE = 2\n")
    assert bytecode.sources_key(str(changed)) != bytecode.sources_key(str(tmp_path / "first"))
    calls = []
    real = compileall.compile_dir
    monkeypatch.setattr(compileall, "compile_dir", lambda *a, **k: calls.append(a) or real(*a, **k))
    bytecode.compile_tree(str(changed), cache)
    assert len(calls) == 1
    assert pyc_files(changed) != pyc_files(tmp_path / "first")


def test_a_failed_compile_says_so(tmp_path):
    root = tree(tmp_path / "slug", "def broken(:\n")
    with pytest.raises(RuntimeError, match="compiling"):
        bytecode.compile_tree(str(root), str(tmp_path / "cache"))
    assert not os.path.exists(tmp_path / "cache" / bytecode.CACHED)


def test_the_helper_s_checked_bytecode_is_restored_for_the_same_sources_only(tmp_path):
    """The helper's own bytecode: kept apart from the unchecked kind, restored into a fresh copy
    of the same sources, not into changed ones."""
    cache = str(tmp_path / "cache")
    bytecode.compile_tree(str(tree(tmp_path / "first")), cache, checked=True)
    compiled = pyc_files(tmp_path / "first")
    for data in compiled.values():
        assert int.from_bytes(data[4:8], "little") == 0b11  # hash-based, checked
    assert not bytecode.restore(str(tree(tmp_path / "unchecked")), cache)  # the other kind
    assert pyc_files(tmp_path / "unchecked") == {}
    assert bytecode.restore(str(tree(tmp_path / "again")), cache, checked=True)
    assert pyc_files(tmp_path / "again") == compiled
    assert not bytecode.restore(str(tree(tmp_path / "changed", "VALUE = 2\n")), cache, checked=True)
    assert pyc_files(tmp_path / "changed") == {}


def test_checked_bytecode_of_a_source_edited_since_is_not_used(tmp_path):
    """The helper's folder may be a working copy: an edit after the restore is what runs."""
    root = tree(tmp_path / "copy")
    bytecode.compile_tree(str(root), str(tmp_path / "cache"), checked=True)
    (root / "pkg" / "mod.py").write_text("VALUE = 2\n")
    ran = subprocess.run(
        [sys.executable, "-c", "import pkg.mod; print(pkg.mod.VALUE)"],
        cwd=root,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == "2"


def test_a_restore_that_fails_leaves_no_bytecode(tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    bytecode.compile_tree(str(tree(tmp_path / "first")), cache, checked=True)
    target = tree(tmp_path / "second")
    place = bytecode._place

    def half(source, destination):
        if destination.endswith(f"mod.{sys.implementation.cache_tag}.pyc"):
            raise OSError(28, "No space left on device")
        return place(source, destination)

    monkeypatch.setattr(bytecode, "_place", half)
    assert not bytecode.restore(str(target), cache, checked=True)
    assert pyc_files(target) == {}


def test_a_kept_file_is_linked_in_and_what_was_there_is_replaced_not_written_into(tmp_path):
    kept, other, target = tmp_path / "kept.pyc", tmp_path / "other.pyc", tmp_path / "mod.pyc"
    kept.write_bytes(b"kept")
    other.write_bytes(b"other")
    os.link(other, target)  # a file of another restore, itself a kept file's link
    bytecode._place(str(kept), str(target))
    assert target.read_bytes() == b"kept" and other.read_bytes() == b"other"
    assert os.stat(target).st_ino == os.stat(kept).st_ino  # one call, no copy
