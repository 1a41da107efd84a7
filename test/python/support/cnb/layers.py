"""The files a buildpack leaves in its layers folder, read and checked as the lifecycle does, and
what a rebuild restores of each layer (pure: text in, data out).

Buildpack API 0.10 (https://github.com/buildpacks/spec/blob/buildpack/0.10/buildpack.md):

- "Layer Content Metadata": ``[types]`` ``launch``/``build``/``cache`` (unset is false) and
  ``[metadata]``. The lifecycle (``buildpack/layermetadata.go``) refuses the flags at the top
  level, and a flag that is not a boolean fails to decode; other keys are ignored. A buildpack
  "MUST NOT create" layers named ``build``, ``launch`` or ``store`` ("Build", process);
- "Layer Types": the restore table (``RESTORE``), checked by the lifecycle's
  ``internal/layer/metadata_restorer.go``; "Ignored Layers": no type set, ``<layer>`` becomes
  ``<layer>.ignore`` at the end of the buildpack's build;
- "launch.toml (TOML)": processes with ``type``, ``command`` (a list of strings from API 0.9),
  ``args``, ``default``, ``working-dir``; ``direct`` is refused from API 0.9 and more than one
  default per buildpack is refused (``buildpack/files.go``, ``buildpack/build.go``); a type may not
  hold ``/><:|&\\`` (``layers/launcher.go``);
- "build.toml (TOML)": ``[[unmet]]`` names, each one of the buildpack's plan entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tomllib

from .descriptor import api_tuple
from .tomlw import dumps

RESERVED_LAYER_NAMES = ("build", "launch", "store")
FLAGS = ("launch", "build", "cache")
FORBIDDEN_IN_TYPE = "/><:|&\\"


class LayerError(Exception):
    """A buildpack output the lifecycle refuses; the build fails with this message."""


@dataclass(frozen=True)
class Types:
    launch: bool = False
    build: bool = False
    cache: bool = False

    @property
    def ignored(self) -> bool:
        return not (self.launch or self.build or self.cache)


@dataclass
class LayerToml:
    types: Types
    metadata: Any = None


def parse_layer_toml(text: str, where: str) -> LayerToml:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LayerError(f"{where}: not TOML ({error}); fix what the buildpack writes") from None
    top = [flag for flag in FLAGS if flag in data]
    if top:
        raise LayerError(
            f"{where}: the launch, cache and build flags should be in the types table "
            f"(found {', '.join(top)} at the top level); write them under [types]"
        )
    types = data.get("types", {})
    if not isinstance(types, dict):
        raise LayerError(f"{where}: types is not a table; write [types] launch = true ...")
    for flag in FLAGS:
        if flag in types and not isinstance(types[flag], bool):
            raise LayerError(f"{where}: types.{flag} is {types[flag]!r}, not a boolean")
    flags = {flag: types.get(flag, False) for flag in FLAGS}
    return LayerToml(Types(**flags), data.get("metadata"))


def restored_toml(metadata: Any) -> str:
    """The ``<layer>.toml`` the lifecycle writes before a rebuild: the metadata, no ``[types]``
    (``defaultEncoderDecoder.Encode``)."""
    return "" if metadata is None else dumps({"metadata": metadata})


@dataclass(frozen=True)
class Restore:
    """What a rebuild gets back of a layer: its metadata (from where) and its contents."""

    metadata_from: str | None  # "image", "cache" or None
    contents: bool


#: The spec's "Layer Types" table, keyed by (build, cache, launch). Contents always come from the
#: cache, and a cached launch layer comes back only when the image and the cache hold the same one.
RESTORE = {
    (True, True, True): Restore("image", True),
    (True, True, False): Restore("cache", True),
    (True, False, True): Restore(None, False),
    (True, False, False): Restore(None, False),
    (False, True, True): Restore("image", True),
    (False, True, False): Restore("cache", True),
    (False, False, True): Restore("image", False),
    (False, False, False): Restore(None, False),
}


def restore_for(types: Types) -> Restore:
    return RESTORE[(types.build, types.cache, types.launch)]


@dataclass
class Process:
    type: str
    command: list[str]
    args: list[str] = field(default_factory=list)
    default: bool = False
    working_dir: str = ""
    buildpack_id: str = ""


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def parse_launch_toml(text: str, api: str, where: str, buildpack_id: str) -> list[Process]:
    """The processes of one buildpack's ``launch.toml``; raises ``LayerError`` as the lifecycle
    fails the build."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LayerError(f"{where}: not TOML ({error})") from None
    processes = []
    for entry in data.get("processes", []):
        kind = entry.get("type", "")
        if not isinstance(kind, str) or not kind:
            raise LayerError(f"{where}: a process without a type; every process needs one")
        if any(char in FORBIDDEN_IN_TYPE for char in kind):
            raise LayerError(f"{where}: process type {kind!r} holds one of {FORBIDDEN_IN_TYPE}")
        command = entry.get("command")
        if api_tuple(api) >= (0, 9):
            if "direct" in entry:
                raise LayerError(f"{where}: process.direct is not supported on Buildpack API {api}")
            if not _strings(command) or not command:
                raise LayerError(f"{where}: process {kind!r} command is not a list of strings")
        elif isinstance(command, str):
            command = [command]
        args = entry.get("args", [])
        if not _strings(args):
            raise LayerError(f"{where}: process {kind!r} args is not a list of strings")
        working_dir = entry.get("working-dir", "")
        default = entry.get("default", False)
        processes.append(Process(kind, command, args, default, working_dir, buildpack_id))
    defaults = [process.type for process in processes if process.default]
    if len(defaults) > 1:
        raise LayerError(f"{where}: multiple default process types aren't allowed: {defaults}")
    return processes


def merge_processes(
    merged: dict[str, Process], default: str, added: list[Process]
) -> tuple[dict[str, Process], str, str]:
    """``processMap.add`` (phase/builder.go): later buildpacks replace a type; the last default
    wins; a non-default redefinition of the default type leaves no default (and a warning)."""
    merged = dict(merged)
    warning = ""
    for process in added:
        if process.default:
            default, warning = process.type, ""
        elif process.type == default:
            default = ""
            warning = f"Warning: redefining the following default process type with a process not marked as default: {process.type}"  # noqa: E501 - the lifecycle's words
        merged[process.type] = process
    return merged, default, warning


def parse_build_toml(text: str, where: str, plan_names: list[str]) -> list[str]:
    """The ``[[unmet]]`` names of ``build.toml``; each must be in the buildpack's plan."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LayerError(f"{where}: not TOML ({error})") from None
    unmet = []
    for entry in data.get("unmet", []):
        name = entry.get("name", "")
        if not name:
            raise LayerError(f"{where}: unmet.name is required")
        if name not in plan_names:
            raise LayerError(f"{where}: unmet.name '{name}' must match a requested dependency")
        unmet.append(name)
    return unmet
