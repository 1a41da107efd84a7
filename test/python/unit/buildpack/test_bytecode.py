"""The slug's bytecode: unchecked-hash files, kept in the build cache for the same sources."""

import compileall
import os

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
