"""Cloud Native Buildpack layers as files: ``<layers>/<name>.toml``, environment files, digests.

Buildpack API 0.10 (https://github.com/buildpacks/spec/blob/buildpack/v0.10/buildpack.md):
"Layer Content Metadata (TOML)" for the ``[types]`` and ``[metadata]`` tables, "Layer Types" for
what a rebuild restores (metadata without ``[types]``), "Environment Variable Modification Rules"
for the file names (the variable is the name up to the first ``.``, the suffix the rule; the
contents are taken as they are, never by a shell). Pure but for the small reads and writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass

#: "MUST NOT create <layers>/<layer> directories with <layer> names build, launch or store".
RESERVED = frozenset({"build", "launch", "store"})
#: The rules a file's suffix names; no suffix means override.
RULES = frozenset({"append", "default", "delim", "override", "prepend"})
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Types:
    """Where a layer goes: the image (launch), later buildpacks (build), the next build (cache)."""

    launch: bool = False
    build: bool = False
    cache: bool = False


def layer_toml(types: Types, metadata: Mapping[str, str]) -> str:
    """The text of ``<layers>/<name>.toml``: every type spelled out, flat string metadata."""
    lines = ["[types]"]
    for name in ("launch", "build", "cache"):
        lines.append(f"{name} = {'true' if getattr(types, name) else 'false'}")
    lines += ["", "[metadata]"]
    for key, value in sorted(metadata.items()):
        if not _BARE_KEY.match(key):
            raise ValueError(f"not a bare TOML key: {key!r}")
        lines.append(f"{key} = {json.dumps(value)}")  # a JSON string is a TOML basic string
    return "\n".join(lines) + "\n"


def parse_metadata(text: str) -> dict[str, str] | None:
    """The ``[metadata]`` table of a layer's TOML as strings; None when it cannot be read (a
    layer then counts as unknown, and is made again)."""
    try:
        import tomllib  # lazy: Python 3.11+; 3.10 takes the reader below
    except ImportError:
        return _flat_metadata(text)
    try:
        found = tomllib.loads(text).get("metadata", {})
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        return None
    return found


def _flat_metadata(text: str) -> dict[str, str] | None:
    """``parse_metadata`` for the TOML a layer's file holds: tables of ``key = "string"`` and
    booleans, as this module writes and the lifecycle writes back. Anything else: None."""
    table, found = "", {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            table = line.strip("[] ")
            continue
        key, sep, value = (part.strip() for part in line.partition("="))
        if not sep or not _BARE_KEY.match(key):
            return None
        if value in ("true", "false"):
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if not isinstance(parsed, str):
            return None
        if table == "metadata":
            found[key] = parsed
    return found


def read_metadata(layers_dir: str, name: str) -> dict[str, str] | None:
    """The metadata a rebuild restored for a layer (None: none, or unreadable)."""
    try:
        with open(os.path.join(layers_dir, f"{name}.toml"), encoding="utf-8") as handle:
            return parse_metadata(handle.read())
    except (OSError, UnicodeDecodeError):
        return None


def write_layer_toml(layers_dir: str, name: str, types: Types, metadata: Mapping[str, str]) -> None:
    if name in RESERVED:
        raise ValueError(f"{name!r} is a name the Buildpack API reserves")
    with open(os.path.join(layers_dir, f"{name}.toml"), "w", encoding="utf-8") as handle:
        handle.write(layer_toml(types, metadata))


def env_file_name(variable: str, rule: str = "override") -> str:
    """``VARIABLE.rule``, the file that applies ``rule`` to ``variable``."""
    if not _ENV_NAME.match(variable) or rule not in RULES:
        raise ValueError(f"no environment file for {variable!r} with rule {rule!r}")
    return f"{variable}.{rule}"


def write_env_dir(layer_dir: str, folder: str, files: Mapping[str, str]) -> None:
    """Write ``files`` (name → contents, no newline added: the contents are the value) into
    ``<layer>/<folder>`` (``env``, ``env.build``, ``env.launch``), replacing what was there."""
    target = os.path.join(layer_dir, folder)
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(target):
        os.remove(os.path.join(target, name))
    for name, contents in files.items():
        with open(os.path.join(target, name), "w", encoding="utf-8") as handle:
            handle.write(contents)


def tree_digest(folder: str) -> str:
    """What a layer's contents are: every path, whether executable, and every file's bytes (or a
    link's target). File times are left out: the lifecycle resets them when it exports a layer."""
    digest = hashlib.sha256()
    for parent, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(parent, d))]):
            path = os.path.join(parent, name)
            digest.update(os.path.relpath(path, folder).encode() + b"\0")
            if os.path.islink(path):
                digest.update(b"link\0" + os.readlink(path).encode() + b"\0")
                continue
            executable = os.stat(path).st_mode & stat.S_IXUSR
            digest.update(b"x\0" if executable else b"-\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()
