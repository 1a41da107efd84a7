"""Every reason the incremental collect declines, each said in one line.

Each test makes a small project, publishes it with the build's full collect (the app's process,
``django_s3_static.collect.collect --collect-to``), changes it, and runs the build's inspection
(``--committed ... --incremental-to``): the app's process then collects the change, or says why
it cannot, and the build collects everything (``test_incremental_build`` shows that line in
``bin/compile``'s log). No S3 server is involved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from django_s3_static.config import Config
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.publish.reuse import incremental_cache
from support.dyno import ROOT

LIB = os.path.join(ROOT, "lib")
PIPELINE_APPS = ["django.contrib.staticfiles", "pipeline"]
PIPELINE_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "pipeline.finders.PipelineFinder",
]


class Project:
    def __init__(self, root, files: dict[str, str | bytes], **settings) -> None:
        self.root = root
        lines = [
            "import os",
            "BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
            "SECRET_KEY = 'test-only'",
            "STATIC_URL = 'static/'",
            "DATABASES = {}",
            "STATICFILES_DIRS = [os.path.join(BASE, 'assets')]",
        ]
        settings.setdefault("INSTALLED_APPS", ["django.contrib.staticfiles"])
        lines += [f"{name} = {value!r}" for name, value in settings.items()]
        self.write("proj/__init__.py", "")
        self.write("proj/settings.py", "\n".join(lines) + "\n")
        self.write("proj/finders.py", FINDER)
        for name, data in files.items():
            self.write(f"assets/{name}", data)

    def write(self, name: str, data: str | bytes) -> None:
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)

    def child(self, *arguments: str) -> dict:
        result = os.path.join(self.root, "result.json")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))},
            "PYTHONPATH": os.pathsep.join([LIB, str(self.root)]),
            "DJANGO_SETTINGS_MODULE": "proj.settings",
        }
        done = subprocess.run(
            [sys.executable, "-m", "django_s3_static.collect.collect", "--result", result]
            + list(arguments),
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        self.output = done.stdout  # what the build's log shows of the app's process
        with open(result) as handle:
            return json.load(handle)

    @property
    def cache_file(self) -> str:
        return os.path.join(self.root, "static_cache", "manifest.json")

    def publish(self) -> StaticCache:
        """The build's full collect, and the static cache it writes (as if committed)."""
        report = self.child("--collect-to", os.path.join(self.root, "full"))
        found = report["collected"]
        cache = StaticCache(
            report["fingerprint"],
            "bucket",
            "static",
            found["paths"],
            {name: StaticObject(**obj) for name, obj in found["objects"].items()},
            built_with=report["context"],
            incremental=found["incremental"],
        )
        static_cache.write(cache, os.path.dirname(self.cache_file))
        return cache

    def tamper(self, change) -> None:
        with open(self.cache_file) as handle:
            document = json.load(handle)
        change(document)
        with open(self.cache_file, "w") as handle:
            json.dump(document, handle)

    def inspect(self) -> dict:
        """The build's inspection: the incremental collect's report (or why it declined)."""
        report = self.child(
            "--committed", self.cache_file, "--incremental-to", os.path.join(self.root, "inc")
        )
        return report["incremental"]


FINDER = """
from django.contrib.staticfiles.finders import FileSystemFinder


class Custom(FileSystemFinder):
    pass
"""
PLAIN = {
    "img/a.png": b"a",
    "css/a.css": '.a { background: url("../img/a.png"); }\n',
    "css/b.css": '@import "a.css";\n',
}


def declined(project: Project) -> str:
    found = project.inspect()
    assert "collected" not in found, found
    return found["refused"]


def test_a_finder_it_does_not_know(tmp_path):
    finders = ["proj.finders.Custom", "django.contrib.staticfiles.finders.AppDirectoriesFinder"]
    project = Project(tmp_path, PLAIN, STATICFILES_FINDERS=finders)
    project.publish()
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == (
        "STATICFILES_FINDERS has proj.finders.Custom, whose files it cannot follow"
    )


def test_references_in_a_cycle(tmp_path):
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.write("assets/css/a.css", '@import "b.css";\n')
    assert declined(project) == (
        "css/a.css -> css/b.css -> css/a.css refer to each other, which Django cannot hash "
        "to an end"
    )


def test_references_nested_deeper_than_the_passes_settle(tmp_path):
    chain = {f"css/c{i}.css": f'@import "c{i + 1}.css";\n.c{i} {{}}\n' for i in range(6)}
    project = Project(tmp_path, {**PLAIN, **chain, "css/c6.css": ".end {}\n"})
    project.publish()
    project.write("assets/css/c6.css", '.end { background: url("../img/a.png"); }\n')
    assert declined(project) == (
        "references nest 7 files deep (css/c0.css -> css/c1.css -> css/c2.css -> ... -> "
        "css/c6.css), more than Django's 5 post-processing passes are sure to settle"
    )


STORAGE = """
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class MorePasses(ManifestStaticFilesStorage):
    max_post_process_passes = 8


class ShortHashes(ManifestStaticFilesStorage):
    def file_hash(self, name, content=None):
        return super().file_hash(name, content)[:8]
"""


def test_the_app_storage_s_own_passes_are_the_ones_that_count(tmp_path):
    """The same 7-deep chain as above, with the app's storage class allowing 8 passes: the
    build's storage hashes with 8 (``build.app_storage``), so the change is collected."""
    chain = {f"css/c{i}.css": f'@import "c{i + 1}.css";\n.c{i} {{}}\n' for i in range(6)}
    storages = {"staticfiles": {"BACKEND": "proj.storage.MorePasses"}}
    project = Project(tmp_path, {**PLAIN, **chain, "css/c6.css": ".end {}\n"}, STORAGES=storages)
    project.write("proj/storage.py", STORAGE)
    cache = project.publish()
    assert cache.built_with["hashing"] == {"max_post_process_passes": 8}
    project.write("assets/css/c6.css", '.end { background: url("../img/a.png"); }\n')
    found = project.inspect()
    assert "refused" not in found, found["refused"]
    assert found["reached"] == 7


def test_an_app_storage_that_overrides_the_hashing(tmp_path):
    storages = {"staticfiles": {"BACKEND": "proj.storage.ShortHashes"}}
    project = Project(tmp_path, PLAIN, STORAGES=storages)
    project.write("proj/storage.py", STORAGE)
    cache = project.publish()
    assert cache.built_with["hashing"] == {"overrides": ["ShortHashes.file_hash"]}
    assert len(cache.paths["img/a.png"].split(".")[-2]) == 12  # Django's hashing, not the app's
    assert (
        " !     Warning: STORAGES['staticfiles'] (proj.storage.ShortHashes) overrides "
        "ShortHashes.file_hash, which the build does not run."
    ) in project.output
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == (
        "STORAGES['staticfiles'] (proj.storage.ShortHashes) overrides ShortHashes.file_hash"
    )


def test_a_stylesheet_that_is_not_utf8(tmp_path):
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.write("assets/css/a.css", b'.a { content: "\xff"; background: url(../img/a.png); }')
    assert declined(project) == "post-processing css/a.css failed (UnicodeDecodeError)"


def test_a_missing_reference_with_strict_references(tmp_path):
    project = Project(tmp_path, PLAIN, DJANGO_S3_STATIC_STRICT_REFERENCES=True)
    project.publish()
    project.write("assets/css/a.css", '.a { background: url("../img/none.png"); }\n')
    assert declined(project) == "post-processing css/a.css failed (ValueError)"


def test_a_reference_to_a_hashed_copy(tmp_path):
    project = Project(tmp_path, PLAIN)
    hashed = project.publish().paths["img/a.png"]
    project.write("assets/css/c.css", f'.c {{ background: url("../{hashed}"); }}\n')
    assert declined(project) == f"css/c.css refers to {hashed}, a hashed copy, not a source"


def test_a_committed_cache_without_a_hashed_name(tmp_path):
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.tamper(lambda document: document["paths"].pop("css/b.css"))
    project.write("assets/img/a.png", b"changed")  # reaches a.css, which b.css imports
    project.write("assets/css/new.css", ".n {}\n")
    assert "collected" in project.inspect()  # b.css is reached: it needs no recorded name
    project.write("assets/img/a.png", b"a")  # as published: b.css is not reached
    assert declined(project) == "the committed cache has no hashed name for css/b.css"


def test_a_committed_cache_without_an_object(tmp_path):
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.tamper(lambda document: document["objects"].pop("css/b.css"))
    project.write("assets/css/new.css", ".n {}\n")
    assert declined(project) == "the committed cache has no object css/b.css"


def test_a_committed_cache_with_a_malformed_record(tmp_path):
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.tamper(lambda document: document["incremental"].pop("references"))
    project.write("assets/css/new.css", ".n {}\n")
    assert declined(project) == "the static cache's 'incremental' section is not as written"


def pipeline_project(tmp_path, files=None, **pipeline) -> Project:
    settings = {
        "CSS_COMPRESSOR": None,
        "JS_COMPRESSOR": None,
        "STYLESHEETS": {
            "main": {"source_filenames": ["css/a.css"], "output_filename": "css/main.css"}
        },
        **pipeline,
    }
    return Project(
        tmp_path,
        {**PLAIN, **(files or {})},
        INSTALLED_APPS=PIPELINE_APPS,
        STATICFILES_FINDERS=PIPELINE_FINDERS,
        PIPELINE=settings,
    )


def test_pipeline_packages_not_recorded(tmp_path):
    project = pipeline_project(tmp_path)
    project.publish()
    project.tamper(lambda document: document["incremental"].update(packages=None))
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == "the committed cache does not record django-pipeline's packages"


def test_pipeline_disabled(tmp_path):
    project = pipeline_project(tmp_path, PIPELINE_ENABLED=False)
    project.publish()
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == "PIPELINE_ENABLED is off, so django-pipeline finds its own outputs"


@pytest.mark.parametrize(
    "stylesheets, files, reason",
    [
        (
            {
                "main": {
                    "source_filenames": ["css/a.css"],
                    "output_filename": "css/main.css",
                    "variant": "datauri",
                }
            },
            {},
            "django-pipeline package 'main' embeds files (variant)",
        ),
        (
            {
                "one": {"source_filenames": ["css/a.css"], "output_filename": "css/main.css"},
                "two": {"source_filenames": ["css/b.css"], "output_filename": "css/main.css"},
            },
            {},
            "two django-pipeline packages write css/main.css",
        ),
        (
            {"main": {"source_filenames": ["css/a.css~"], "output_filename": "css/main.css"}},
            {"css/a.css~": ".backup {}\n"},
            "django-pipeline packs css/a.css~, which is not collected",
        ),
        (
            {
                "one": {"source_filenames": ["css/a.css"], "output_filename": "css/b.css"},
                "two": {"source_filenames": ["css/b.css"], "output_filename": "css/two.css"},
            },
            {},
            "django-pipeline packs css/b.css, another package's output",
        ),
    ],
)
def test_pipeline_packages_it_does_not_follow(tmp_path, stylesheets, files, reason):
    project = pipeline_project(tmp_path, files, STYLESHEETS=stylesheets)
    project.publish()
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == reason


def test_pipeline_compiles_onto_a_collected_name(tmp_path):
    files = {"scss/x.scss": ".x { color: red; }\n", "scss/x.css": ".stale {}\n"}
    project = pipeline_project(
        tmp_path,
        files,
        COMPILERS=["pipeline.compilers.sass.SASSCompiler"],
        SASS_BINARY="sassc",
        STYLESHEETS={
            "main": {"source_filenames": ["scss/x.scss"], "output_filename": "css/main.css"}
        },
    )
    project.publish()
    project.write("assets/img/a.png", b"changed")
    assert declined(project) == (
        "django-pipeline compiles a file into scss/x.css, a collected name"
    )


def test_a_package_that_no_longer_builds(tmp_path):
    project = pipeline_project(
        tmp_path,
        {"scss/x.scss": ".x { color: red; }\n"},
        COMPILERS=["pipeline.compilers.sass.SASSCompiler"],
        SASS_BINARY="sassc",
        STYLESHEETS={
            "main": {"source_filenames": ["scss/x.scss"], "output_filename": "css/main.css"}
        },
    )
    project.publish()
    project.write("assets/scss/x.scss", ".x { color: $undefined; }\n")
    assert declined(project) == "django-pipeline could not build css/main.css: CompilerError"


def test_the_build_refuses_a_report_about_another_cache(capsys):
    """What the build itself checks: that the app's process read the cache it loaded."""
    committed = StaticCache(
        "sha256:x",
        "bucket",
        "",
        incremental={"digests": {}, "missing": {}, "packages": None, "references": {}},
    )
    report = {"incremental": {"cache_file": "/elsewhere/manifest.json", "collected": {}}}
    config = Config.from_values({"AWS_STORAGE_BUCKET_NAME": "bucket"})
    got = incremental_cache(
        config, report, committed, "/app/static_cache/manifest.json", "/app", {}, "stale", "/tmp"
    )
    assert got is None
    assert (
        "Collecting everything: the app's process read another static cache than the build"
        in capsys.readouterr().out
    )


def test_declining_is_never_silent_about_a_change_it_reached(tmp_path):
    """The common case, for contrast: the same project collects a change incrementally."""
    project = Project(tmp_path, PLAIN)
    project.publish()
    project.write("assets/img/a.png", b"changed")
    found = project.inspect()
    assert found["reached"] == 3 and found["changes"] == "1 changed (img/a.png)"
    assert sorted(found["collected"]["paths"]) == ["css/a.css", "css/b.css", "img/a.png"]
