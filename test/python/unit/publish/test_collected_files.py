"""Where a collect's files are: a folder, or ranges of a pack (no server)."""

import pytest

from django_s3_static.publish.collected_files import CollectedFiles


def test_a_packed_file_is_read_from_its_range_and_others_from_the_folder(tmp_path):
    pack = tmp_path / "collected" / ".collected.pack"
    pack.parent.mkdir()
    pack.write_bytes(b"body{}" + b"\x89PNG")
    (tmp_path / "collected" / "extra.js").write_bytes(b"x=1")
    files = CollectedFiles.of(
        str(tmp_path / "collected"), {"pack": str(pack), "offsets": {"a.css": 0, "b.png": 6}}
    )
    assert files.where("b.png") == (str(pack), 6)
    assert files.read("a.css", 6) == b"body{}" and files.read("b.png", 4) == b"\x89PNG"
    assert files.where("extra.js") == (str(tmp_path / "collected" / "extra.js"), None)
    assert files.read("extra.js", 3) == b"x=1"
    with pytest.raises(FileNotFoundError):
        files.read("gone.css", 3)


def test_a_folder_without_a_pack_is_read_file_by_file(tmp_path):
    (tmp_path / "a.css").write_bytes(b"body{}")
    files = CollectedFiles.of(str(tmp_path), {"paths": {}, "objects": {}})
    assert files.where("a.css") == (str(tmp_path / "a.css"), None)
    assert files.read("a.css", 6) == b"body{}"
