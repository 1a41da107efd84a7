"""Export and restore: what a build leaves (an image, a cache) and what the next build gets back.

The harness stands for an OCI image with folders: ``images/<n>/app`` (the app layer) and
``images/<n>/layers/<buildpack>/<layer>`` (the launch layers), their metadata kept in memory; the
cache is ``cache/<buildpack>/<layer>``. Files are hard links between the build's folders, the
image and the cache (nothing writes to them after the export); a restore copies from the cache,
as the lifecycle extracts a tarball, so a rebuild never changes the last image.

- Export (Buildpack API 0.10, "Phase #6: Export"): each ``launch = true`` layer with a folder
  becomes a new layer; one without a folder reuses the previous image's layer of that name, and
  the export fails when there is none. ``store.toml`` goes with the image. Every file, folder and
  link of the new layers and of the app gets the lifecycle's fixed time, 1980-01-01T00:00:01Z
  (lifecycle ``archive/writer.go`` ``NormalizedModTime``; platform.md "Build reproducibility").
- Cache: each ``cache = true`` layer with contents, with its types (lifecycle ``phase/cache.go``;
  one without contents is left out with a warning).
- Restore (``internal/layer/metadata_restorer.go``, ``phase/restorer.go``): per buildpack of the
  new group, ``store.toml`` and the metadata (never the types) of the previous image's launch
  layers that are neither build-and-not-cache nor cache-but-absent-from-the-cache, then of the
  cached layers not already restored from the image; then the contents of every cached layer.
  The lifecycle restores a cached launch layer only when the image and the cache hold the same
  one (same digest); here both always come from the last successful build, so they do.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

import tomllib

from .layers import Process, Types, restored_toml

NORMALIZED_TIME = datetime.datetime(1980, 1, 1, 0, 0, 1, tzinfo=datetime.UTC).timestamp()
NON_LAYER_FILES = ("launch.toml", "build.toml", "store.toml")
COPY_TIMEOUT = 300


@dataclass
class Layer:
    """A layer in an image or the cache: whose, its name, types and metadata."""

    buildpack_id: str
    name: str
    types: Types
    metadata: Any


@dataclass
class Image:
    """An exported image: the group that built it, its layers, processes and ``store.toml``s."""

    path: str
    number: int
    group: list[dict[str, str]]
    exec_env: str
    layers: dict[tuple[str, str], Layer] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    default_process: str = ""
    stores: dict[str, Any] = field(default_factory=dict)

    @property
    def app(self) -> str:
        return os.path.join(self.path, "app")

    @property
    def layers_dir(self) -> str:
        return os.path.join(self.path, "layers")

    def layer_path(self, buildpack_id: str, name: str) -> str:
        return os.path.join(self.layers_dir, buildpack_id.replace("/", "_"), name)


class ExportError(Exception):
    """The export failed (the lifecycle exits 62); the message says which layer and why."""


def run_copy(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=COPY_TIMEOUT)
    if done.returncode != 0:
        raise OSError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def link_tree(source: str, target: str) -> None:
    """``target`` a copy of ``source`` whose files are hard links (links stay links)."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    run_copy(["cp", "-a", "-l", source, target])


def copy_tree(source: str, target: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    run_copy(["cp", "-a", source, target])


def reset_times(top: str) -> None:
    """Every entry under ``top`` (and ``top``) at the lifecycle's fixed time, links themselves."""
    times = (NORMALIZED_TIME, NORMALIZED_TIME)
    for folder, dirs, files in os.walk(top, topdown=False):
        for name in files + dirs:
            os.utime(os.path.join(folder, name), times, follow_symlinks=False)
    os.utime(top, times, follow_symlinks=False)


def layer_names(bp_dir: str) -> list[str]:
    """The layers a buildpack declared: its ``<layer>.toml`` files (name order)."""
    if not os.path.isdir(bp_dir):
        return []
    names = [
        n
        for n in os.listdir(bp_dir)
        if n.endswith(".toml")
        and n not in NON_LAYER_FILES
        and not os.path.isdir(os.path.join(bp_dir, n))
    ]
    # By file name, as ``eachLayer`` lists them: "a-b.toml" comes before "a.toml".
    return [name[: -len(".toml")] for name in sorted(names, key=os.fsencode)]


def export(
    image: Image,
    app_dir: str,
    layers_dir: str,
    declared: dict[tuple[str, str], tuple[Types, Any]],
    previous: Image | None,
    log: list[str],
) -> None:
    """Fill ``image`` from the build's folders: ``declared`` holds every layer's types and
    metadata, by (buildpack id, name)."""
    link_tree(app_dir, image.app)
    os.makedirs(image.layers_dir, exist_ok=True)
    new = [image.app]
    for (bp_id, name), (types, metadata) in declared.items():
        if not types.launch:
            continue
        source = os.path.join(layers_dir, bp_id.replace("/", "_"), name)
        target = image.layer_path(bp_id, name)
        if os.path.isdir(source):
            link_tree(source, target)
            new.append(target)
            log.append(f"Adding layer '{bp_id}:{name}'")
        else:
            old = previous.layers.get((bp_id, name)) if previous else None
            if old is None:
                raise ExportError(
                    f"failed to export: layer '{bp_id}:{name}' is launch = true but has no "
                    "folder, and the previous image has no such layer to reuse; write the layer's "
                    "contents, or set launch = false"
                )
            link_tree(previous.layer_path(bp_id, name), target)
            log.append(f"Reusing layer '{bp_id}:{name}'")
        image.layers[(bp_id, name)] = Layer(bp_id, name, types, metadata)
    for path in new:
        reset_times(path)
    for bp_dir in os.scandir(image.layers_dir):  # the layers' parent folders, as in the tar
        os.utime(bp_dir.path, (NORMALIZED_TIME, NORMALIZED_TIME))
    os.utime(image.layers_dir, (NORMALIZED_TIME, NORMALIZED_TIME))


def save_cache(
    cache_dir: str,
    image: Image,
    layers_dir: str,
    declared: dict[tuple[str, str], tuple[Types, Any]],
    log: list[str],
) -> dict[tuple[str, str], Layer]:
    """The new cache, replacing ``cache_dir``: the cached layers with contents."""
    fresh = cache_dir + ".new"
    shutil.rmtree(fresh, ignore_errors=True)
    os.makedirs(fresh)
    cached = {}
    for (bp_id, name), (types, metadata) in declared.items():
        if not types.cache:
            continue
        source = os.path.join(layers_dir, bp_id.replace("/", "_"), name)
        if not os.path.isdir(source):
            log.append(f"Warning: Failed to cache layer '{bp_id}:{name}': it has no contents")
            continue
        target = os.path.join(fresh, bp_id.replace("/", "_"), name)
        link_tree(source, target)
        reset_times(target)
        cached[(bp_id, name)] = Layer(bp_id, name, types, metadata)
        log.append(f"Adding cache layer '{bp_id}:{name}'")
    shutil.rmtree(cache_dir, ignore_errors=True)
    os.rename(fresh, cache_dir)
    return cached


def restore(
    layers_dir: str,
    group: list,
    previous: Image | None,
    cache_dir: str,
    cached: dict[tuple[str, str], Layer],
    log: list[str],
) -> None:
    """Before a build: ``<layers>/<buildpack>/`` per buildpack of ``group`` with what the spec
    gives back (see the module's docstring)."""
    for bp in group:
        bp_dir = os.path.join(layers_dir, bp.escaped_id)
        os.makedirs(bp_dir, exist_ok=True)
        if previous and bp.id in previous.stores:
            with open(os.path.join(bp_dir, "store.toml"), "w", encoding="utf-8") as handle:
                handle.write(restored_toml(previous.stores[bp.id]))
        image_layers = previous.layers.items() if previous else ()
        app_layers = {n: layer for (b, n), layer in image_layers if b == bp.id}
        in_cache = {n: layer for (b, n), layer in cached.items() if b == bp.id}
        for name, layer in sorted(app_layers.items()):
            types = layer.types
            if not types.launch or (types.build and not types.cache):
                continue
            if types.cache and name not in in_cache:
                continue
            _write_metadata(bp_dir, name, layer.metadata)
            log.append(f'Restoring metadata for "{bp.id}:{name}" from app image')
        for name, layer in sorted(in_cache.items()):
            if not (layer.types.launch and name in app_layers):
                _write_metadata(bp_dir, name, layer.metadata)
                log.append(f'Restoring metadata for "{bp.id}:{name}" from cache')
        for name in sorted(in_cache):
            copy_tree(os.path.join(cache_dir, bp.escaped_id, name), os.path.join(bp_dir, name))
            log.append(f'Restoring data for "{bp.id}:{name}" from cache')


def _write_metadata(bp_dir: str, name: str, metadata: Any) -> None:
    with open(os.path.join(bp_dir, f"{name}.toml"), "w", encoding="utf-8") as handle:
        handle.write(restored_toml(metadata))


def read_store(bp_dir: str) -> Any:
    """``store.toml``'s ``[metadata]``, or None."""
    path = os.path.join(bp_dir, "store.toml")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return tomllib.load(handle).get("metadata")
