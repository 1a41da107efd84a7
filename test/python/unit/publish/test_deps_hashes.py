"""The build helper's own dependencies install only as pinned, hashes included.

``vendor/*.txt`` pin every file of each version by its SHA-256, and ``deps`` runs pip with
``--require-hashes``. Here pip installs a small wheel made by the test from a local folder (no
index, no network): with the right hash it installs, with a tampered one the build says what
happened, and a requirement without a hash is refused.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile

import pytest

from django_s3_static.errors import S3StaticError
from django_s3_static.publish import deps

WHEEL = "tinydep-1.0-py3-none-any.whl"


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """A folder holding one wheel, pip's only source; returns the wheel's SHA-256."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    files = {
        "tinydep/__init__.py": b"VALUE = 1\n",
        "tinydep-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
        "tinydep-1.0.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [record_line(name, data) for name, data in files.items()]
    files["tinydep-1.0.dist-info/RECORD"] = ("\n".join([*record, "tinydep-1.0.dist-info/RECORD,,"])
                                             + "\n").encode()  # fmt: skip
    with zipfile.ZipFile(folder / WHEEL, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # this machine's pip.conf is not the build's
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    return hashlib.sha256((folder / WHEEL).read_bytes()).hexdigest()


def requirements(tmp_path, text: str) -> str:
    path = tmp_path / "tinydep.txt"
    path.write_text(text)
    return str(path)


def test_the_pinned_hash_installs(tmp_path, local_index, capsys):
    target = tmp_path / "installed"
    wanted = requirements(tmp_path, f"tinydep==1.0 --hash=sha256:{local_index}\n")
    deps._install(str(target), wanted, deps.BOTO3, str(tmp_path))
    assert (target / "tinydep" / "__init__.py").read_text() == "VALUE = 1\n"


def test_a_tampered_hash_fails_saying_so(tmp_path, local_index, capsys):
    tampered = local_index[:-8] + "00000000"
    target = tmp_path / "installed"
    with pytest.raises(S3StaticError) as raised:
        wanted = requirements(tmp_path, f"tinydep==1.0 --hash=sha256:{tampered}\n")
        deps._install(str(target), wanted, deps.BOTO3, str(tmp_path))
    assert raised.value.title == (
        "The build helper's dependencies downloaded for tinydep.txt do not match the hashes "
        "pinned in it (pip's message above); nothing was installed."
    )
    assert "PIP_INDEX_URL" in raised.value.details[0]
    printed = capsys.readouterr().out
    assert "DO NOT MATCH THE HASHES" in printed and local_index in printed  # pip's own account
    assert not (target / "tinydep").exists()


def test_a_requirement_without_a_hash_is_refused(tmp_path, local_index, capsys):
    with pytest.raises(S3StaticError) as raised:
        deps._install(
            str(tmp_path / "installed"),
            requirements(tmp_path, "tinydep==1.0\n"),
            deps.BOTO3,
            str(tmp_path),
        )
    assert "failed (pip's message above)" in raised.value.title
    assert "--require-hashes" in capsys.readouterr().out


def pins(name: str) -> dict[str, list[str]]:
    """``vendor/<name>``'s requirements: ``package==version`` → its hashes."""
    with open(os.path.join(deps.VENDOR, name)) as handle:
        text = re.sub(r"\\\n", " ", handle.read())
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            requirement, *options = line.split()
            found[requirement] = [o.removeprefix("--hash=sha256:") for o in options]
            assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in found[requirement]), line
    return found


@pytest.mark.parametrize("name", ["boto3.txt"])
def test_every_vendored_pin_has_a_version_and_the_hashes_of_its_wheel_and_sdist(name):
    found = pins(name)
    assert found
    for requirement, hashes in found.items():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9.]+", requirement), requirement
        assert len(set(hashes)) == len(hashes) >= 2, requirement
