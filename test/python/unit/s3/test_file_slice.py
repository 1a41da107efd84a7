"""A byte range of a file read as a file of its own (no server)."""

import io

from django_s3_static.s3.file_slice import FileSlice


def test_reads_stop_at_the_range_s_end(tmp_path):
    pack = tmp_path / "pack"
    pack.write_bytes(b"aaaa" + b"0123456789" + b"zzzz")
    with FileSlice(str(pack), 4, 10) as part:
        assert part.read(3) == b"012"
        assert part.read() == b"3456789"
        assert part.read(5) == b""
    with FileSlice(str(pack), 4, 10) as part:
        assert part.read() == b"0123456789"  # read to the end: the range, not the file


def test_seeks_are_within_the_range(tmp_path):
    pack = tmp_path / "pack"
    pack.write_bytes(b"aaaa" + b"0123456789" + b"zzzz")
    with FileSlice(str(pack), 4, 10) as part:
        assert part.seek(0, io.SEEK_END) == 10  # how Django's File finds a size
        assert part.read() == b""
        part.seek(-4, io.SEEK_END)
        assert part.read() == b"6789"
        part.seek(2)
        assert part.tell() == 2 and part.read(2) == b"23"
        part.seek(20)
        assert part.read() == b""


def test_a_file_shorter_than_the_range_gives_what_it_has(tmp_path):
    pack = tmp_path / "pack"
    pack.write_bytes(b"aaaa0123")  # cut short after the range was recorded
    with FileSlice(str(pack), 4, 10) as part:
        assert part.read() == b"0123"
