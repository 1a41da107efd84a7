"""The collect child's parts: modules located unimported, its command line, real paths."""

from __future__ import annotations

import os
import sys

import pytest

from django_s3_static.collect import finders
from support.finders_project import write


def test_module_location_walks_packages_without_running_them(tmp_path, monkeypatch):
    write(tmp_path / "pkg" / "__init__.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "pkg" / "sub" / "__init__.py", "raise RuntimeError('must not run')\n")
    write(tmp_path / "pkg" / "sub" / "apps.py", "")
    write(tmp_path / "pkg" / "mod.py", "")
    write(tmp_path / "single.py", "")
    os.makedirs(tmp_path / "namespace" / "inner")
    write(tmp_path / "namespace" / "inner" / "apps.py", "")
    write(tmp_path / "pkg" / "fast.py", "")
    write(tmp_path / "pkg" / "fast.cpython-313-x86_64-linux-gnu.so", b"\x7fELF")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert finders.module_location("pkg") == (str(tmp_path / "pkg" / "__init__.py"), True)
    assert finders.module_location("pkg.sub") == (
        str(tmp_path / "pkg" / "sub" / "__init__.py"),
        True,
    )
    assert finders.module_location("pkg.sub.apps") == (
        str(tmp_path / "pkg" / "sub" / "apps.py"),
        False,
    )
    assert finders.module_location("pkg.mod") == (str(tmp_path / "pkg" / "mod.py"), False)
    assert finders.module_location("single") == (str(tmp_path / "single.py"), False)
    assert finders.module_folder("pkg.sub") == str(tmp_path / "pkg" / "sub")
    assert finders.module_location("pkg.missing") is None
    assert finders.module_location("pkg.mod.deeper") is None
    assert finders.module_location("single.deeper") is None
    assert finders.module_location("no_such_top_level_module_x") is None
    assert finders.module_location("namespace.inner.apps") is None
    if sys.platform == "linux" and sys.implementation.cache_tag == "cpython-313":
        assert finders.module_location("pkg.fast") is None  # the extension module would win
    assert "pkg" not in sys.modules


@pytest.mark.parametrize(
    "argv",
    [[], ["--result"], ["--collect-to", "x"], ["--result", "r", "--verbose", "1"], ["r"]],
)
def test_the_child_refuses_a_command_line_it_does_not_know(argv):
    from django_s3_static.collect import collect

    with pytest.raises(SystemExit, match="usage: python -m django_s3_static.collect.collect"):
        collect._options(argv)


def test_the_child_reads_its_options():
    from django_s3_static.collect import collect

    assert collect._options(["--result", "r.json", "--committed", "c.json"]) == {
        "--result": "r.json",
        "--committed": "c.json",
    }


def test_real_paths_resolved_per_folder_match_realpath(tmp_path, monkeypatch):
    """The symlink check resolves each folder once; the answer is realpath's, links or not."""
    from django_s3_static.collect.sources import _Roots

    write(tmp_path / "real" / "a.css", "a")
    write(tmp_path / "real" / "sub" / "b.css", "b")
    write(tmp_path / "outside" / "secret.txt", "s")
    os.symlink(tmp_path / "real", tmp_path / "linked-folder")
    os.symlink(tmp_path / "outside" / "secret.txt", tmp_path / "real" / "leak.txt")
    os.symlink("sub/b.css", tmp_path / "real" / "relative.css")
    os.symlink(tmp_path / "nowhere", tmp_path / "real" / "dangling.css")
    monkeypatch.chdir(tmp_path)
    roots = _Roots()
    for path in [
        tmp_path / "real" / "a.css",
        tmp_path / "real" / "sub" / "b.css",
        tmp_path / "linked-folder" / "a.css",
        tmp_path / "linked-folder" / "sub" / "b.css",
        tmp_path / "real" / "leak.txt",
        tmp_path / "linked-folder" / "leak.txt",
        tmp_path / "real" / "relative.css",
        tmp_path / "real" / "dangling.css",
    ]:
        assert roots.real(str(path)) == os.path.realpath(path), path
