"""Run inside a Django project's process: random trees, each edited round after round, collected
incrementally from the last cache and in full, and compared.

    python -m support.incremental_worker RESULT_FILE FIRST_SEED SEEDS ROUNDS [--pipeline|--modules]
        [--names]

The project (``DJANGO_SETTINGS_MODULE``, ``RANDOM_TREE_ROOT``) is made by the test. Each build
calls the build's own app-side code (``collect.run``) as the build's child process does, and
merges an incremental report with the committed cache as the build does (``merge``), in this
one process for speed: what a fresh process would start without (the storages, the hashes of
the sources) is reset between builds. The incremental build starts from the cache the previous
round left (its own result when it could be incremental), so chains of incremental builds are
checked, not only single steps.

For every round it writes whether the incremental collect ran or why not, and every difference
from the full collect: the manifest, every object's size and MD5 (and, for the files it wrote,
their bytes), the missing references, and the incremental record itself. With ``--names``, each
round is collected in full only, and the committed cache it writes is checked as the build's fast
path checks it: whether each hashed name is its source's.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback

from django.utils.functional import empty

from django_s3_static.collect import collect, folder, sources
from django_s3_static.collect.incremental_plan import merge
from django_s3_static.errors import S3StaticError
from django_s3_static.format import static_cache
from django_s3_static.format.static_cache import StaticCache, StaticObject
from django_s3_static.publish.collected_files import CollectedFiles
from support.published import cache_from_report
from support.random_tree import MODULE_STORAGE, RandomTree

MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def reset() -> None:
    """What a new process would start without."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import storages

    sources._HASHES.clear()
    sources._PASSED.clear()
    storages.__dict__.pop("backends", None)
    storages._backends = None
    storages._storages = {}
    staticfiles_storage._wrapped = empty


def full(work: str, label: str) -> tuple[StaticCache | None, CollectedFiles, str | None]:
    """A full collect (collectstatic) of the tree as it is; the cache a build would write, and
    where its files are."""
    reset()
    root = os.path.join(work, f"full-{label}")
    try:
        report = collect.run(root)
    except S3StaticError as exc:
        return None, CollectedFiles(root), exc.title
    cache = cache_from_report(report)
    cache.missing = sorted((r["file"], r["url"]) for r in report["collected"]["missing_references"])
    return cache, CollectedFiles.of(root, report["collected"]), None


def vanilla(
    work: str, label: str, backend: str = MANIFEST_STORAGE
) -> tuple[dict[str, str], dict[str, tuple[int, str]]]:
    """Django's own ``collectstatic`` with ``ManifestStaticFilesStorage`` (or the app's subclass
    of it), nothing of this project in between: its manifest and the size and MD5 of every file
    it wrote."""
    from django.conf import settings
    from django.core.management import call_command

    root = os.path.join(work, f"django-{label}")
    settings.STATIC_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": backend},
    }
    reset()
    call_command("collectstatic", interactive=False, verbosity=0)
    with open(os.path.join(root, "staticfiles.json")) as handle:
        paths = json.load(handle)["paths"]
    objects = {name: (obj["size"], obj["md5"]) for name, obj in folder.walk(root).items()}
    shutil.rmtree(root)
    return paths, objects


def incremental(work: str, label: str, committed: StaticCache, cache_file: str) -> tuple[dict, str]:
    """The build's inspection with an incremental collect, from the committed cache, whose
    finders record the build hands the app's process (``--committed``) as the build does: the
    change is collected without the app registry wherever the record allows."""
    reset()
    root = os.path.join(work, f"inc-{label}")
    report = collect.run(None, collect.committed_record(cache_file), root)
    done = report.get("incremental")
    if done is None:
        return {"refused": "no incremental collect was tried"}, root
    if "refused" in done:
        return {"refused": done["refused"]}, root
    found = done["collected"]
    produced = {name: StaticObject(**obj) for name, obj in found["objects"].items()}
    merged = merge(committed.paths, committed.objects, committed.incremental, found, produced)
    return {
        "paths": merged.paths,
        "objects": merged.objects,
        "produced": sorted(produced),
        "incremental": merged.incremental,
        "missing": sorted((r["file"], r["url"]) for r in merged.missing_references),
        "fingerprint": report["fingerprint"],
        "finders": report["finders"],
        "context": report["context"],
        "reached": done["reached"],
        "without_setup": report.get("setup") is False,
    }, root


def differences(got: dict, inc_root: str, want: StaticCache, full: CollectedFiles) -> list[str]:
    found = []
    if got["paths"] != want.paths:
        names = sorted(set(got["paths"].items()) ^ set(want.paths.items()))
        found.append(f"manifest differs: {names[:6]}")
    objects = {name: (o.size, o.md5) for name, o in got["objects"].items()}
    wanted = {name: (o.size, o.md5) for name, o in want.objects.items()}
    if objects != wanted:
        names = sorted(set(objects.items()) ^ set(wanted.items()))
        found.append(f"objects differ: {names[:6]}")
    for name in got["produced"]:
        with open(os.path.join(inc_root, name), "rb") as mine:
            data = mine.read()
        if name not in want.objects or _read_collected(full, name, want) != data:
            found.append(f"bytes of {name} differ")
    if got["missing"] != want.missing:
        found.append(f"missing references differ: {got['missing']} != {want.missing}")
    if got["incremental"] != want.incremental:
        parts = [k for k in want.incremental if got["incremental"].get(k) != want.incremental[k]]
        found.append(f"incremental record differs in {parts}")
    return found


def _read_collected(files: CollectedFiles, name: str, want: StaticCache) -> bytes | None:
    try:
        return files.read(name, want.objects[name].size)
    except FileNotFoundError:
        return None


def run_seed(
    seed: int, rounds: int, pipeline: bool, work: str, modules: bool = False
) -> list[dict]:
    assets = os.environ["RANDOM_TREE_ROOT"]
    cache_folder = os.path.join(os.getcwd(), "static_cache")
    for made in (assets, cache_folder, work):
        shutil.rmtree(made, ignore_errors=True)
        os.makedirs(made)
    tree = RandomTree(assets, seed, pipeline, modules)
    tree.populate()
    committed, _files, error = full(work, "0")
    results = []
    if committed is None:
        return [{"seed": seed, "round": 0, "error": error, "edits": []}]
    cache_file = static_cache.write(committed, cache_folder)
    for number in range(1, rounds + 1):
        edits = tree.edit()
        got, inc_root = incremental(work, str(number), committed, cache_file)
        want, full_files, error = full(work, str(number))
        row = {"seed": seed, "round": number, "edits": edits}
        if want is None:
            row["full_failed"] = error
            row["incremental"] = "refused" not in got
            results.append(row)
            break  # nothing to build on
        if not want.missing and not pipeline:
            paths, objects = vanilla(
                work, str(number), MODULE_STORAGE if modules else MANIFEST_STORAGE
            )
            row["django"] = paths == want.paths and objects == {
                name: (o.size, o.md5) for name, o in want.objects.items()
            }
        if "refused" in got:
            row["refused"] = got["refused"]
            committed = want
        else:
            row["reached"] = got["reached"]
            row["without_setup"] = got["without_setup"]
            row["differences"] = differences(got, inc_root, want, full_files)
            committed = StaticCache(
                got["fingerprint"],
                "bucket",
                "",
                got["paths"],
                got["objects"],
                finders=got["finders"],
                built_with=got["context"],
                incremental=got["incremental"],
            )
        static_cache.write(committed, cache_folder)
        results.append(row)
        for made in (inc_root, full_files.root):
            shutil.rmtree(made, ignore_errors=True)
    return results


def names_seed(
    seed: int, rounds: int, pipeline: bool, work: str, modules: bool = False
) -> list[dict]:
    """Each round's full collect, then the fast path's check of the cache it wrote
    (``name_check``): every hashed name a publish records must be tied to its source."""
    assets = os.environ["RANDOM_TREE_ROOT"]
    cache_folder = os.path.join(os.getcwd(), "static_cache")
    for made in (assets, cache_folder, work):
        shutil.rmtree(made, ignore_errors=True)
        os.makedirs(made)
    tree = RandomTree(assets, seed, pipeline, modules)
    tree.populate()
    rows = []
    for number in range(rounds + 1):
        row: dict = {"seed": seed, "round": number, "edits": tree.edit() if number else []}
        committed, files, error = full(work, str(number))
        shutil.rmtree(files.root, ignore_errors=True)
        if committed is None:
            rows.append({**row, "full_failed": error})
            continue
        cache_file = static_cache.write(committed, cache_folder)
        reset()
        report = collect.run(None, collect.committed_record(cache_file))
        checked = report.get("names") or {}
        row["untied"] = checked.get("untied")
        row["rewritten"] = len(committed.incremental["references"])
        rows.append(row)
    return rows


def main() -> int:
    result_file, first, count, rounds = sys.argv[1], *map(int, sys.argv[2:5])
    pipeline, modules = "--pipeline" in sys.argv, "--modules" in sys.argv
    each = names_seed if "--names" in sys.argv else run_seed
    import django

    django.setup()
    rows = []
    for seed in range(first, first + count):
        try:
            work = os.path.join(os.getcwd(), "work")
            rows += each(seed, rounds, pipeline, work, modules)
        except Exception:
            rows.append({"seed": seed, "crash": traceback.format_exc()})
    with open(result_file, "w") as handle:
        json.dump(rows, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
