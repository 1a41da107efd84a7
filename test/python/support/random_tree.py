"""Random static trees and random edits to them, for the incremental collect's equivalence test.

A tree is what makes Django's post-processing interesting: images referred to by stylesheets
through relative, absolute (``/static/...``), quoted, query-string, fragment and ``?#iefix``
URLs; stylesheets importing stylesheets (chains, sometimes deep); scripts with source maps that
may be missing; references to files that do not exist (left as written by the tolerant default)
and that a later edit may add; names with spaces and non-ASCII letters. With django-pipeline: a
glob-matched stylesheet package, a package whose output has its own source's name, a compiled
SCSS source importing a partial, and a script package. With JavaScript modules (an app storage
class with Django's ``support_js_module_import_aggregation``): scripts that import, re-export and
dynamically import one another in every form Django rewrites, across folders, and with the
tolerant default scripts that are not there yet. The same seed always writes the same tree and
makes the same edits.
"""

from __future__ import annotations

import os
import posixpath
import random

STATIC_URL = "/static/"
PIPELINE = {
    "COMPILERS": ["pipeline.compilers.sass.SASSCompiler"],
    "SASS_BINARY": "sassc",
    "CSS_COMPRESSOR": None,
    "JS_COMPRESSOR": None,
    "STYLESHEETS": {
        "bundle": {
            "source_filenames": ["pcss/*.css", "scss/theme.scss"],
            "output_filename": "css/bundle.css",
        },
        "print": {"source_filenames": ["css/print.css"], "output_filename": "css/print.css"},
    },
    "JAVASCRIPT": {
        "app": {"source_filenames": ["pjs/a.js", "pjs/b.js"], "output_filename": "js/app.js"},
    },
}


#: The app storage class of a tree of JavaScript modules (written by the test as proj/storage.py).
MODULE_STORAGE = "proj.storage.ModuleStorage"
MODULE_STORAGE_SOURCE = (
    "from django.contrib.staticfiles.storage import ManifestStaticFilesStorage\n\n\n"
    "class ModuleStorage(ManifestStaticFilesStorage):\n"
    "    support_js_module_import_aggregation = True\n"
)


def settings_text(assets: str, pipeline: bool, modules: bool = False) -> str:
    apps = ["django.contrib.staticfiles"] + (["pipeline"] if pipeline else [])
    finders = [
        "django.contrib.staticfiles.finders.FileSystemFinder",
        "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    ] + (["pipeline.finders.PipelineFinder"] if pipeline else [])
    return "\n".join(
        [
            "SECRET_KEY = 'test-only'",
            "DEBUG = False",
            f"INSTALLED_APPS = {apps!r}",
            f"STATIC_URL = {STATIC_URL!r}",
            "DATABASES = {}",
            f"STATICFILES_DIRS = [{assets!r}]",
            f"STATICFILES_FINDERS = {finders!r}",
            f"PIPELINE = {PIPELINE!r}" if pipeline else "",
            f"STORAGES = {{'staticfiles': {{'BACKEND': {MODULE_STORAGE!r}}}}}" if modules else "",
            "",
        ]
    )


class RandomTree:
    """A tree of static sources in ``root`` (the STATICFILES_DIRS folder), edited at random."""

    def __init__(self, root: str, seed: int, pipeline: bool = False, modules: bool = False) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.pipeline = pipeline
        self.modules = modules
        #: Every other seed writes no reference to a missing file and never removes one, so
        #: Django's own ManifestStaticFilesStorage (which refuses those) can collect it too.
        self.missing = pipeline or seed % 2 == 1
        self.counter = 0
        self.log: list[str] = []

    # --- files -------------------------------------------------------------------------------

    def names(self, prefix: str = "", suffix: str = "") -> list[str]:
        found = []
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                rel = os.path.relpath(os.path.join(folder, name), self.root).replace(os.sep, "/")
                if rel.startswith(prefix) and rel.endswith(suffix):
                    found.append(rel)
        return sorted(found)

    def write(self, name: str, data: str | bytes) -> None:
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)

    def read(self, name: str) -> bytes:
        with open(os.path.join(self.root, name), "rb") as handle:
            return handle.read()

    def remove(self, name: str) -> None:
        os.remove(os.path.join(self.root, name))

    def fresh(self, kind: str) -> str:
        self.counter += 1
        n = self.counter
        if kind == "img":
            folder = self.rng.choice(["img/a", "img/b", "img/a/deep"])
            stem = self.rng.choice([f"p{n}", f"p{n}", f"with space {n}", f"ünï{n}"])
            return f"{folder}/{stem}.png"
        if kind == "css":
            return f"{self.rng.choice(['css', 'css/sub', 'css/sub/deeper'])}/s{n}.css"
        if kind == "js":
            return f"{self.rng.choice(['js', 'js/lib'])}/m{n}.js" if self.modules else f"js/m{n}.js"
        if kind == "font":
            return f"fonts/f{n}.woff"
        return f"pcss/p{n}.css"

    # --- content -----------------------------------------------------------------------------

    def image(self) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(8, 48)))

    def url(self, source: str, target: str) -> str:
        """A reference from ``source`` to ``target`` in one of the ways stylesheets write them."""
        style = self.rng.random()
        if style < 0.15:
            path = STATIC_URL + target
        else:
            path = posixpath.relpath(target, posixpath.dirname(source))
        if target.endswith(".woff"):
            path += self.rng.choice(["?#iefix", "#webfont", ""])
        elif self.rng.random() < 0.12:
            path += self.rng.choice(["?v=2", "#frag", "?v=3#x"])
        quote = self.rng.choice(['"', "'"] if " " in path else ['"', "'", ""])
        return f"url({quote}{path}{quote})"

    def stylesheet(self, name: str) -> str:
        lines = [f"/* {name} {self.rng.getrandbits(32):x} */"]
        others = [c for c in self.names("css/", ".css") if c < name and c != "css/print.css"]
        for css in self.rng.sample(others, min(len(others), self.rng.choice([0, 0, 1, 1, 2]))):
            target = posixpath.relpath(css, posixpath.dirname(name))
            lines.insert(
                0, f'@import "{target}";' if self.rng.random() < 0.6 else f"@import url({target});"
            )
        images = self.names("img/") + self.names("fonts/")
        for index in range(self.rng.randint(0, 4)):
            kind = self.rng.random()
            if kind < 0.12 and self.missing:
                target = f"img/late{self.rng.randint(1, 6)}.png"  # missing until an edit adds it
            elif kind < 0.18:
                lines.append(f".d{index} {{ background: url(data:image/png;base64,AAAA); }}")
                continue
            elif kind < 0.22:
                lines.append(f".h{index} {{ background: url(https://example.com/x.png); }}")
                continue
            elif images:
                target = self.rng.choice(images)
            else:
                continue
            lines.append(f".c{index} {{ background: {self.url(name, target)}; }}")
        if self.rng.random() < 0.1 and self.missing:
            lines.append(f"/*# sourceMappingURL={posixpath.basename(name)}.map */")
        return "\n".join(lines) + "\n"

    def script(self, name: str) -> str:
        text = f"window.x{self.rng.getrandbits(24)} = {self.rng.randint(0, 99)};\n"
        if self.modules:
            text = self.imports(name) + text
        if self.rng.random() < 0.5:
            text += f"//# sourceMappingURL={posixpath.basename(name)}.map\n"
        return text

    def imports(self, name: str) -> str:
        """Module imports of scripts made before this one (so they never form a cycle), or,
        with the tolerant default, of one that is not there yet."""
        number = _number(name)
        earlier = [js for js in self.names("js/", ".js") if _number(js) < number]
        lines = []
        for index in range(self.rng.choice([0, 1, 1, 2])):
            if self.missing and self.rng.random() < 0.1:
                target = f"js/late{self.rng.randint(1, 3)}.js"
            elif earlier:
                target = self.rng.choice(earlier)
            else:
                continue
            path = posixpath.relpath(target, posixpath.dirname(name))
            path = path if path.startswith(".") else "./" + path
            quote = self.rng.choice(['"', "'"])
            lines.append(
                self.rng.choice(
                    [
                        f"import {{ x{index} }} from {quote}{path}{quote};",
                        f"import * as m{index} from {quote}{path}{quote};",
                        f"export {{ y{index} }} from {quote}{path}{quote};",
                        f"import {quote}{path}{quote};",
                        f"const lazy{index} = import({quote}{path}{quote});",
                    ]
                )
            )
        return "".join(line + "\n" for line in lines)

    # --- the tree ----------------------------------------------------------------------------

    def populate(self) -> None:
        for _ in range(self.rng.randint(4, 9)):
            self.write(self.fresh("img"), self.image())
        self.write(self.fresh("font"), self.image())
        for _ in range(self.rng.randint(4, 9)):
            name = self.fresh("css")
            self.write(name, self.stylesheet(name))
        for _ in range(self.rng.randint(3, 6) if self.modules else self.rng.randint(1, 3)):
            name = self.fresh("js")
            self.write(name, self.script(name))
            if self.rng.random() < 0.6 or not self.missing:
                self.write(name + ".map", '{"version": 3, "mappings": ""}\n')
        if self.pipeline:
            for _ in range(2):
                name = self.fresh("pcss")
                self.write(name, self.stylesheet(name))
            self.write("css/print.css", self.stylesheet("css/print.css"))
            self.write("scss/partials/_vars.scss", "$color: #123456;\n")
            self.write(
                "scss/theme.scss",
                '@import "partials/vars";\n.title { color: $color; }\n'
                ".hero { background: url(../img/hero.png); }\n",
            )
            self.write("img/hero.png", self.image())
            for name in ("pjs/a.js", "pjs/b.js"):
                self.write(name, self.script(name))
            self.write("css/uses-bundle.css", '@import "bundle.css";\n.u { color: red; }\n')

    def edit(self) -> list[str]:
        """One round of 1 to 3 random edits; what they were."""
        done = []
        for _ in range(self.rng.randint(1, 3)):
            done.append(self.one_edit())
        self.log.extend(done)
        return done

    def one_edit(self) -> str:
        ops = ["image", "image", "css", "css", "js", "add_image", "add_css", "late", "chain"]
        ops += ["delete", "rename"] if self.missing else ["image", "css"]
        rare = self.rng.random()
        ops += ["cycle" if rare < 0.1 else "deep" if rare < 0.25 else "css"]
        if self.pipeline:
            ops += ["member", "member", "add_member", "partial", "print", "pjs"]
        if self.modules:
            ops += ["js", "js", "add_js"] + (["late_js"] if self.missing else [])
        op = self.rng.choice(ops)
        images = self.names("img/")
        stylesheets = [c for c in self.names("css/", ".css") if c != "css/print.css"]
        if op == "late" and not self.missing:
            op = "add_image"
        if op == "image" and images:
            name = self.rng.choice(images)
            self.write(name, self.image())
        elif op == "css" and stylesheets:
            name = self.rng.choice(stylesheets)
            self.write(name, self.stylesheet(name))
        elif op == "js" and self.names("js/", ".js"):
            name = self.rng.choice(self.names("js/", ".js"))
            self.write(name, self.script(name))
        elif op == "add_js":
            name = self.fresh("js")
            self.write(name, self.script(name))
        elif op == "late_js":
            name = f"js/late{self.rng.randint(1, 3)}.js"
            self.write(name, self.script(name))
        elif op == "add_image":
            name = self.fresh("img")
            self.write(name, self.image())
        elif op == "add_css":
            name = self.fresh("css")
            self.write(name, self.stylesheet(name))
        elif op == "delete":
            candidates = [n for n in self.names() if not n.startswith(("scss/", "pjs/"))]
            name = self.rng.choice(candidates)
            self.remove(name)
        elif op == "rename" and images:
            name = self.rng.choice(images)
            data = self.read(name)
            self.remove(name)
            new = self.fresh("img")
            self.write(new, data)
            name = f"{name} -> {new}"
        elif op == "late":
            name = f"img/late{self.rng.randint(1, 6)}.png"
            self.write(name, self.image())
        elif op == "chain" and len(stylesheets) >= 2:
            low, high = sorted(self.rng.sample(stylesheets, 2))
            target = posixpath.relpath(low, posixpath.dirname(high))
            self.write(high, f'@import "{target}";\n' + self.read(high).decode())
            name = f"{high} imports {low}"
        elif op == "cycle" and len(stylesheets) >= 2:
            first, second = self.rng.sample(stylesheets, 2)
            for one, other in ((first, second), (second, first)):
                target = posixpath.relpath(other, posixpath.dirname(one))
                self.write(one, f'@import "{target}";\n' + self.read(one).decode())
            name = f"{first} and {second} import each other"
        elif op == "deep":
            chain = [self.fresh("css") for _ in range(self.rng.randint(5, 8))]
            for one, other in zip(chain, chain[1:] + [None], strict=True):
                target = posixpath.relpath(other or chain[0], posixpath.dirname(one))
                body = f'@import "{target}";\n' if other else ".end { color: red; }\n"
                self.write(one, body + f".x {{ color: #{self.rng.randrange(4096):03x}; }}\n")
            name = f"a chain of {len(chain)} stylesheets"
        elif op == "member":
            members = self.names("pcss/")
            name = self.rng.choice(members) if members else self.fresh("pcss")
            self.write(name, self.stylesheet(name))
        elif op == "add_member":
            name = self.fresh("pcss")
            self.write(name, self.stylesheet(name))
        elif op == "partial":
            name = "scss/partials/_vars.scss"
            self.write(name, f"$color: #{self.rng.randrange(0x1000000):06x};\n")
        elif op == "print":
            name = "css/print.css"
            self.write(name, self.stylesheet(name))
        elif op == "pjs":
            name = self.rng.choice(["pjs/a.js", "pjs/b.js"])
            self.write(name, self.script(name))
        else:
            return "nothing"
        return f"{op} {name}"


def _number(name: str) -> int:
    """The counter in a made-up script's name (``js/lib/m12.js``: 12; a late one: 0)."""
    stem = posixpath.basename(name).removesuffix(".js").removesuffix(".map")
    return int(stem[1:]) if stem.startswith("m") and stem[1:].isdigit() else 0
