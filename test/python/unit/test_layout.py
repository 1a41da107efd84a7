"""The folder tree is the architecture: these rules keep it so (pure reading of the sources).

- no import cycle among the project's modules, counting imports inside functions too;
- imports point one way between the concerns (see ``ALLOWED``);
- the slug's copy of the package is every room but the build-time ones, and imports nothing it
  lacks;
- no folder named ``build``; no module over ``MAX_LINES`` lines, tests and benchmark included;
- an import inside a function says why, in a ``# lazy:`` comment.
"""

from __future__ import annotations

import ast
import os
import sys

from django_s3_static.buildpack.install import BUILD_TIME, copy_runtime
from support.dyno import ROOT

LIB = os.path.join(ROOT, "lib")
PROJECT = ("django_s3_static", "django_reset_app")
MAX_LINES = 400

#: What each concern may import of the project (besides itself). The shared modules
#: (``config``, ``errors``, ``output``) import nothing else of it but each other.
SHARED = {"django_s3_static.config", "django_s3_static.errors"}
DYNO = SHARED | {"django_s3_static.format"}
ALLOWED = {
    # The package's own modules: the Django app and the dyno's storage and snippet.
    "django_s3_static": DYNO | {"django_s3_static.runtime"},
    "django_s3_static.config": {"django_s3_static.errors"},
    "django_s3_static.errors": set(),
    "django_s3_static.output": set(),
    "django_s3_static.format": SHARED,
    "django_s3_static.s3": SHARED,
    "django_s3_static.cache": set(),
    "django_s3_static.runtime": DYNO,
    "django_s3_static.promote": DYNO | {"django_s3_static.s3"},
    # Build time, in the app's process; then the publishing both the helper and the commands do;
    # then the helper itself.
    "django_s3_static.collect": DYNO | {"django_s3_static.output", "django_s3_static.s3"},
    "django_s3_static.publish": DYNO
    | {"django_s3_static.output", "django_s3_static.s3", "django_s3_static.collect"},
    "django_s3_static.buildpack": DYNO
    | {
        "django_s3_static.output",
        "django_s3_static.s3",
        "django_s3_static.collect",
        "django_s3_static.publish",
    },
    "django_s3_static.prune": DYNO | {"django_s3_static.s3"},
    "django_s3_static.management": DYNO
    | {
        "django_s3_static",
        "django_s3_static.output",
        "django_s3_static.s3",
        "django_s3_static.collect",
        "django_s3_static.publish",
        "django_s3_static.prune",
        "django_s3_static.promote",
        "django_s3_static.runtime",
    },
    "django_s3_static.templatetags": DYNO | {"django_s3_static.runtime"},
    "django_reset_app": set(),
}
#: Python outside ``lib/`` that the line limit covers too: the tests, the benchmark, the demo.
TEST = os.path.join(ROOT, "test")


def modules(root: str = LIB) -> dict[str, str]:
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def imports(path: str, module: str) -> list[tuple[str, ast.stmt, bool]]:
    """(imported module, statement, inside a function) for every import in a file."""
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    tree = ast.parse(read(path))
    nested = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        found += [(name, node, id(node) in nested) for name in names]
    return found


def resolve(name: str, known: dict[str, str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def graph(known: dict[str, str]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {module: set() for module in known}
    for module, path in known.items():
        for name, _, _ in imports(path, module):
            target = resolve(name, known)
            if target and target != module and not module.startswith(target + "."):
                edges[module].add(target)
    return edges


def concern(module: str) -> str:
    for name in sorted(ALLOWED, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return module


def test_no_import_cycles():
    edges = graph(modules())
    sys.setrecursionlimit(10_000)
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            assert state.get(target) != 1, "import cycle: " + " -> ".join([*trail, target])
            if target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_imports_point_one_way():
    wrong = []
    for module, targets in graph(modules()).items():
        own = concern(module)
        for target in targets:
            other = concern(target)
            if other != own and other in ALLOWED and other not in ALLOWED.get(own, set()):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_slug_gets_every_room_but_the_build_time_ones(tmp_path):
    target = tmp_path / "django_s3_static"
    copy_runtime(str(target))
    copied = {
        os.path.relpath(os.path.join(folder, name), target)
        for folder, _, files in os.walk(target)
        for name in files
    }
    package = os.path.join(LIB, "django_s3_static")
    rooms = {
        name for name in os.listdir(package) if os.path.isfile(f"{package}/{name}/__init__.py")
    }
    assert {path.split(os.sep)[0] for path in copied if os.sep in path} == rooms - BUILD_TIME
    assert {"buildpack", "publish", "collect", "prune"} <= BUILD_TIME
    # Of the management commands, only the one the release phase runs.
    assert {path for path in copied if path.startswith("management")} == {
        os.path.join("management", "__init__.py"),
        os.path.join("management", "commands", "__init__.py"),
        os.path.join("management", "commands", "promote_static.py"),
    }
    assert not any(path.endswith(".pyc") for path in copied)
    top = {name for name in os.listdir(package) if name.endswith(".py")}
    assert {path for path in copied if os.sep not in path} == top - BUILD_TIME
    # Everything the copy imports of the project is in the copy itself.
    slug_modules = modules(str(tmp_path))
    missing = [
        f"{module} imports {name}"
        for module, path in slug_modules.items()
        for name, _, _ in imports(path, module)
        if name.startswith(PROJECT) and resolve(name, slug_modules) is None
    ]
    assert missing == []


def test_no_folder_is_named_build():
    """Tools take a folder named ``build`` for build output (pytest, .gitignore templates)."""
    named = [
        os.path.relpath(os.path.join(folder, name), ROOT)
        for top in (LIB, TEST)
        for folder, dirs, _ in os.walk(top)
        if not dirs.__setitem__(slice(None), [d for d in dirs if d != ".cache"])
        for name in dirs
        if name == "build"
    ]
    assert named == []


def test_no_module_needs_scrolling_through_twice():
    """The package, its tests, their support and the benchmark (not the fixture apps)."""
    python = list(modules().values()) + [
        os.path.join(folder, name)
        for folder, dirs, files in os.walk(TEST)
        if not dirs.__setitem__(slice(None), [d for d in dirs if d not in ("fixtures", ".cache")])
        for name in files
        if name.endswith(".py")
    ]
    long = {
        os.path.relpath(path, ROOT): count
        for path in python
        if (count := len(read(path).splitlines())) > MAX_LINES
    }
    assert long == {}


def test_imports_inside_functions_say_why():
    unexplained = []
    for module, path in modules().items():
        lines = read(path).splitlines()
        for _, node, nested in imports(path, module):
            if nested and "# lazy:" not in lines[node.lineno - 1]:
                unexplained.append(f"{os.path.relpath(path, LIB)}:{node.lineno}")
    assert sorted(set(unexplained)) == []


def test_an_app_that_installs_the_package_keeps_its_own(tmp_path):
    """django-s3-static in requirements.txt (for `heroku run` of its commands): the build finds
    it on the app's path and copies nothing that would hide it; this buildpack is not it."""
    from django_s3_static.buildpack.install import PACKAGE_DIR, installed_elsewhere

    site = tmp_path / "site-packages"
    (site / "django_s3_static").mkdir(parents=True)
    (site / "django_s3_static" / "__init__.py").write_text("")
    lib = os.path.dirname(PACKAGE_DIR)
    assert installed_elsewhere([lib, str(tmp_path / "missing"), str(site)]) == str(site)
    assert installed_elsewhere([lib, str(tmp_path)]) is None
