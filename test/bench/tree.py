"""Write a large, deterministic Django project for the benchmarks: 10,000 static source files.

    python test/bench/tree.py DEST [--seed 1] [--images 5000] [--stylesheets 2500] [--scripts 2500]

The example app has only ~134 static sources, too few to show how the build scales, so this makes
a project shaped like a real front end: many small PNGs (valid images of varied content, so their
sizes and hashes vary as real ones do), stylesheets whose ``url()``s point at some of those images
by relative path (which is what makes Django's manifest post-processing expensive), and scripts.
The same seed always writes byte-identical files, so two runs benchmark the same tree.

The project itself is what a developer deploys: ``manage.py``, a settings module reading
``SECRET_KEY`` from the environment with ``STATICFILES_DIRS``, a ``Procfile`` and requirements.
Only ``django.contrib.staticfiles`` is installed, so the project has exactly the generated sources.
"""

from __future__ import annotations

import argparse
import os
import random
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "benchsite"
ASSETS = "assets"
PER_FOLDER = 100  # files per folder, as bundlers and icon sets spread them
SHARED_BY = 10  # stylesheets that refer to the shared image (``Tree.shared_png``)
CHANGED_MANY = 100  # sources in ``Tree.many``
SHARED_PNG = "img/shared/hero.png"


@dataclass(frozen=True)
class Tree:
    """What was written: the project root and what a benchmark needs to know about it."""

    root: Path
    settings: str
    sources: int
    source_bytes: int
    changed_css: str  # a stylesheet no other file refers to: editing it changes two objects
    shared_png: str  # an image exactly SHARED_BY stylesheets refer to (and nothing else)
    many: list[str]  # CHANGED_MANY sources of every kind, spread over the tree, to edit at once

    @property
    def static_dir(self) -> Path:
        return self.root / ASSETS


def png(width: int, height: int, rng: random.Random) -> bytes:
    """A valid RGB PNG: a gradient with a random share of noise, so sizes spread widely."""
    base = [rng.randrange(256) for _ in range(3)]
    step = [rng.randrange(-8, 9) for _ in range(3)]
    noise = rng.uniform(0.1, 1.0)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type 0 (None)
        for x in range(width):
            if rng.random() < noise:
                row += bytes(rng.randrange(256) for _ in range(3))
            else:
                row += bytes((base[c] + step[c] * (x + y)) % 256 for c in range(3))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def _spread(kind: str, index: int, stem: str, extension: str) -> str:
    """The path of file ``index`` under assets/: 100 files per folder."""
    return f"{kind}/{stem[0]}{index // PER_FOLDER:03d}/{stem}{index:05d}.{extension}"


def stylesheet(own: str, images: list[str], rng: random.Random, index: int) -> str:
    """A stylesheet with 2-8 url()s to images, written relative to its own folder."""
    lines = [f"/* generated stylesheet {index} */"]
    for rule in range(rng.randint(2, 8)):
        target = os.path.relpath(rng.choice(images), os.path.dirname(own)).replace(os.sep, "/")
        quote = rng.choice(["", '"', "'"])
        lines.append(
            f".c{index}-{rule} {{\n"
            f"  padding: {rng.randint(0, 24)}px {rng.randint(0, 24)}px;\n"
            f"  color: #{rng.randrange(0x1000000):06x};\n"
            f"  background: url({quote}{target}{quote}) no-repeat;\n"
            "}"
        )
    lines.append(f".c{index}-text {{ font-size: {rng.randint(10, 24)}px; }}")
    return "\n".join(lines) + "\n"


def script(index: int, rng: random.Random) -> str:
    """A small module of plain JavaScript (no source maps, so no references to resolve)."""
    body = [f"// generated module {index}", "(function () {", '  "use strict";']
    for fn in range(rng.randint(2, 12)):
        body.append(f"  function f{fn}(a, b) {{ return a * {rng.randint(1, 99)} + b - {fn}; }}")
    body.append(f'  window.bench{index} = {{ ready: true, seed: "{rng.getrandbits(64):x}" }};')
    body.append("})();")
    return "\n".join(body) + "\n"


SETTINGS = '''"""Settings of the generated benchmark project: staticfiles, sources in assets/."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.staticfiles"]
ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"
DATABASES = {}
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "assets"]
USE_TZ = True
'''

MANAGE = '''#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''

WSGI = '''"""WSGI entry point of the generated benchmark project."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
application = get_wsgi_application()
'''

URLS = '"""No views: the project exists for its static files."""\n\nurlpatterns = []\n'


def generate(
    dest: str | Path,
    seed: int = 1,
    images: int = 5000,
    stylesheets: int = 2500,
    scripts: int = 2500,
) -> Tree:
    """Write the project into ``dest`` (created; must be empty or absent) and describe it."""
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise SystemExit(f"{root} is not empty")
    rng = random.Random(seed)
    package = root / PACKAGE
    package.mkdir()
    files = {
        root / "manage.py": MANAGE,
        root / "Procfile": f"web: gunicorn {PACKAGE}.wsgi\n",
        root / "requirements.txt": "Django>=5.2,<5.3\nboto3\ngunicorn\n",
        package / "__init__.py": "",
        package / "settings.py": SETTINGS,
        package / "urls.py": URLS,
        package / "wsgi.py": WSGI,
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    (root / "manage.py").chmod(0o755)

    written = 0
    image_names = [_spread("img", i, "icon", "png") for i in range(images)]
    for name in image_names:
        written += _write(root / ASSETS / name, png(rng.randint(6, 32), rng.randint(6, 32), rng))
    css_names = [_spread("css", i, "style", "css") for i in range(stylesheets)]
    # The shared image and its referrers come from their own generator, so the rest of the tree
    # is what the same seed always wrote.
    shared_rng = random.Random(f"shared-{seed}")
    written += _write(root / ASSETS / SHARED_PNG, png(24, 24, shared_rng))
    referrers = set(css_names[:: max(1, len(css_names) // SHARED_BY)][:SHARED_BY])
    for index, name in enumerate(css_names):
        text = stylesheet(name, image_names, rng, index)
        if name in referrers:
            target = os.path.relpath(SHARED_PNG, os.path.dirname(name)).replace(os.sep, "/")
            text += f".c{index}-hero {{ background: url({target}); }}\n"
        written += _write(root / ASSETS / name, text.encode())
    for index in range(scripts):
        name = _spread("js", index, "module", "js")
        written += _write(root / ASSETS / name, script(index, rng).encode())
    scripts_names = [_spread("js", i, "module", "js") for i in range(scripts)]
    every = image_names + css_names + scripts_names
    many = every[:: max(1, len(every) // CHANGED_MANY)][:CHANGED_MANY]
    return Tree(
        root=root,
        settings=f"{PACKAGE}.settings",
        sources=images + stylesheets + scripts + 1,
        source_bytes=written,
        changed_css=f"{ASSETS}/{css_names[len(css_names) // 2]}" if css_names else "",
        shared_png=f"{ASSETS}/{SHARED_PNG}",
        many=[f"{ASSETS}/{name}" for name in many],
    )


def edit(path: Path, salt: str) -> None:
    """Change one source as a developer would: a new image, one more rule, one more line."""
    if path.suffix == ".png":
        path.write_bytes(png(16, 16, random.Random(f"{path.name}-{salt}")))
        return
    with open(path, "a", encoding="utf-8") as handle:
        if path.suffix == ".css":
            handle.write(f"\n.bench-change-{salt} {{ color: #c0ffee; }}\n")
        else:
            handle.write(f"\nwindow.benchChange = {salt!r};\n")


def _write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--stylesheets", type=int, default=2500)
    parser.add_argument("--scripts", type=int, default=2500)
    args = parser.parse_args(argv)
    tree = generate(args.dest, args.seed, args.images, args.stylesheets, args.scripts)
    print(
        f"{tree.root}: {tree.sources} static sources, {tree.source_bytes / 1e6:.1f} MB, "
        f"settings {tree.settings}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
