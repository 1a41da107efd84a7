"""This buildpack's two layers in a Cloud Native Buildpack build.

- ``build-cache`` (``cache = true`` only): what the build keeps between builds, as Cedar's
  CACHE_DIR holds it: the helper's own dependencies (``publish.deps``), the runtime's bytecode
  (``bytecode``), the app's label (``publish.release``). Its metadata names the Python and the
  helper's pinned requirements; a rebuild whose metadata differs starts it empty, so no file of
  another Python or lock is ever used.
- ``runtime`` (``launch = true`` only): what the dyno runs of this package, as the slug gets it
  on Cedar (``install.install_runtime``), with the environment ``.profile.d`` sets there written
  as ``env.launch/`` files: the CNB launcher sources no ``.profile.d``. When its contents are
  those of the previous image's layer (same digest), the directory is left out and the lifecycle
  keeps that layer ("Launch Layers" in the spec's Layer Types).

The app's directory at launch is the one the build ran in (``<app>``, ``CNB_APP_DIR``, by default
``/workspace``: https://github.com/buildpacks/spec/blob/main/platform.md, "Inputs"), so the static
cache's path is written absolute.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .. import output
from ..publish import deps
from ..publish.release import APP_ID_FILE
from . import install
from .layers import (
    Types,
    env_file_name,
    read_metadata,
    tree_digest,
    write_env_dir,
    write_layer_toml,
)

CACHE_LAYER = "build-cache"
RUNTIME_LAYER = "runtime"


def cache_key(python_version: str | None = None, vendor: str = deps.VENDOR) -> dict[str, str]:
    """What the cached layer's files depend on: this Python's version and the pinned requirements
    the helper installs from."""
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(vendor, "*.txt"))):
        with open(path, "rb") as handle:
            digest.update(os.path.basename(path).encode() + b"\0" + handle.read() + b"\0")
    version = python_version or ".".join(str(part) for part in sys.version_info[:3])
    return {"python": version, "requirements": digest.hexdigest()[:16]}


def cache_changes(restored: Mapping[str, str] | None, wanted: Mapping[str, str]) -> list[str]:
    """Why a restored cached layer cannot be used (every reason); empty when it can."""
    if restored is None:
        return ["it has no metadata this buildpack can read"]
    reasons = []
    if restored.get("python") != wanted["python"]:
        reasons.append(f"the Python changed from {restored.get('python')} to {wanted['python']}")
    if restored.get("requirements") != wanted["requirements"]:
        reasons.append("the build helper's pinned requirements changed")
    return reasons


def prepare_cache(layers_dir: str, key: Mapping[str, str] | None = None) -> str:
    """The cached layer's folder, emptied first when it was made for another Python or lock."""
    key = key or cache_key()
    path = os.path.join(layers_dir, CACHE_LAYER)
    if os.path.isdir(path):
        reasons = cache_changes(read_metadata(layers_dir, CACHE_LAYER), key)
        if reasons:
            _empty_but_label(path)
            output.info(f"Emptied the build cache layer: {'; '.join(reasons)}")
    os.makedirs(path, exist_ok=True)
    write_layer_toml(layers_dir, CACHE_LAYER, Types(cache=True), key)
    return path


def _empty_but_label(path: str) -> None:
    """Remove everything but the app's label, which names this app's records whatever Python."""
    for name in os.listdir(path):
        if name == APP_ID_FILE:
            continue
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.remove(full)


@dataclass(frozen=True)
class Launch:
    """The values the dyno's environment gets, as ``.profile.d`` sets them on Cedar."""

    layer_dir: str
    own_lib: bool
    cache_path: str
    settings: str
    promotes: bool


def launch_env(launch: Launch) -> dict[str, str]:
    """The ``env.launch/`` files: name → contents.

    PYTHONPATH: the hook's folder before whatever the platform or earlier layers put there
    (``sitecustomize`` must be found first), the runtime after it (an installation of the app's
    own wins); ``:`` joins them ("Delimiter"). The static cache path is a default, as on Cedar: a
    config var of the same name wins. The settings module the build read, and whether the release
    phase promotes, are set whatever was there."""
    files = {
        env_file_name("PYTHONPATH", "prepend"): os.path.join(launch.layer_dir, install.SITE),
        env_file_name("PYTHONPATH", "delim"): os.pathsep,
        env_file_name("DJANGO_S3_STATIC_CACHE_PATH", "default"): launch.cache_path,
        env_file_name("DJANGO_S3_STATIC_BUILD_SETTINGS", "override"): launch.settings,
    }
    if launch.own_lib:
        files[env_file_name("PYTHONPATH", "append")] = os.path.join(launch.layer_dir, install.LIB)
    if launch.promotes:
        files[env_file_name("DJANGO_S3_STATIC_RELEASE_PROMOTES", "override")] = "1"
    return files


def install_runtime_layer(
    layers_dir: str,
    cache_path: str,
    settings: str,
    promotes: bool,
    build_cache: str,
) -> bool:
    """Write the runtime layer; True when the previous image's layer is the same and kept."""
    layer = os.path.join(layers_dir, RUNTIME_LAYER)
    # A layer is on PYTHONPATH, where no .pth is read: the hook comes in by sitecustomize
    # whatever the app's Python (heroku/python's is a virtualenv, with no user site anyway).
    own_lib = install.install_runtime(layer, True, build_cache)
    launch = Launch(layer, own_lib, cache_path, settings, promotes)
    write_env_dir(layer, "env.launch", launch_env(launch))
    digest = tree_digest(layer)
    previous = read_metadata(layers_dir, RUNTIME_LAYER)
    kept = previous is not None and previous.get("digest") == digest
    if kept:  # no directory: the lifecycle reuses the previous image's layer
        shutil.rmtree(layer)
    write_layer_toml(layers_dir, RUNTIME_LAYER, Types(launch=True), {"digest": digest})
    return kept
