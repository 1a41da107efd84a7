"""The trees benchmarked: the example app and the generated 10,000-file project (tree.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import common  # noqa: F401 - test/python on sys.path
import django
import tree as generator

from support.dyno import FIXTURES


@dataclass
class App:
    """A tree to benchmark: the app's source folder (copied into every slug) and what to edit."""

    label: str
    source: Path
    settings: str
    static_dir: Path  # the STATICFILES_DIRS folder the collected copy is made from
    changed_css: str  # relative to source: the stylesheet case (c) edits
    description: str
    shared_png: str | None = None  # relative to source: an image 10 stylesheets refer to
    many: list[str] = field(default_factory=list)  # relative to source: 100 files to edit
    #: The other folders the finders list sources from (installed apps' static folders).
    other_sources: list[Path] = field(default_factory=list)


def example_app() -> App:
    source = Path(FIXTURES) / "example_app"
    return App(
        "example app",
        source,
        "exampleapp.settings",
        source / "exampleapp" / "static",
        "exampleapp/static/css/site.css",  # nothing @imports it: the edit changes 2 objects
        "test/fixtures/example_app (django.contrib.admin + the app's own static files)",
        other_sources=[Path(django.__file__).parent / "contrib" / "admin" / "static"],
    )


def generated_app(work: Path, seed: int) -> App:
    started = time.monotonic()
    made = generator.generate(work / "generated", seed=seed)
    return App(
        "10,000-file project",
        made.root,
        made.settings,
        made.static_dir,
        made.changed_css,
        f"test/bench/tree.py --seed {seed}: {made.sources} sources "
        f"({made.source_bytes / 1e6:.1f} MB; 5,001 PNGs, 2,500 CSS with url()s, 2,500 JS), "
        f"generated in {time.monotonic() - started:.1f} s",
        shared_png=made.shared_png,
        many=made.many,
    )
