"""``buildpack.toml``: what the harness reads of a buildpack, and the spec's rules for it (pure but
for reading the file and ``bin/``).

Buildpack API 0.10, "buildpack.toml (TOML)" and "Targets" (https://github.com/buildpacks/spec/
blob/buildpack/0.10/buildpack.md#buildpacktoml-toml); how the lifecycle reads it:
buildpacks/lifecycle ``buildpack/bp_descriptor.go`` (no targets and a ``bin/build``: os linux),
``platform/target_data.go`` ``TargetSatisfiedForBuild`` (an empty field matches anything),
``api/apis.go`` (the Buildpack APIs it supports).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import tomllib

#: lifecycle api/apis.go: the Buildpack APIs a current lifecycle runs.
SUPPORTED_APIS = ("0.7", "0.8", "0.9", "0.10", "0.11", "0.12")
RESERVED_IDS = ("app", "config", "generated", "sbom")
BUILDPACK_ID = re.compile(r"[A-Za-z0-9./-]+")
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
API = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?")


class DescriptorError(Exception):
    """A buildpack the lifecycle would not run: what, why and what to do, in the message."""


def api_tuple(api: str) -> tuple[int, int]:
    major, _, minor = api.partition(".")
    return int(major), int(minor or 0)


@dataclass(frozen=True)
class Target:
    """A ``[[targets]]`` entry, or the run image's own target."""

    os: str = ""
    arch: str = ""
    variant: str = ""
    distros: tuple[tuple[str, str], ...] = ()

    def satisfied_by(self, run: Target) -> bool:
        """``TargetSatisfiedForBuild``: fields match when equal or either is empty; with
        distros listed, the run image's (its first) must be one of them."""

        def matches(a: str, b: str) -> bool:
            return not a or not b or a == b

        if not (
            matches(run.os, self.os)
            and matches(run.arch, self.arch)
            and matches(run.variant, self.variant)
        ):
            return False
        if not self.distros:
            return True
        if not run.distros:
            return False
        name, version = run.distros[0]
        return any(matches(name, n) and matches(version, v) for n, v in self.distros)


@dataclass(frozen=True)
class Buildpack:
    """A component buildpack: its folder, its descriptor, and whether the group marks it
    optional."""

    path: str
    api: str
    id: str
    version: str
    name: str
    clear_env: bool
    targets: tuple[Target, ...]
    optional: bool = False

    @property
    def escaped_id(self) -> str:
        """The folder name of its layers: ``launch.EscapeID`` (``/`` becomes ``_``)."""
        return self.id.replace("/", "_")

    def api_at_least(self, api: str) -> bool:
        return api_tuple(self.api) >= api_tuple(api)

    def runs_on(self, run: Target) -> bool:
        return any(target.satisfied_by(run) for target in self.targets)

    def __str__(self) -> str:
        return f"{self.id}@{self.version}"


def _fail(path: str, why: str, fix: str) -> DescriptorError:
    return DescriptorError(f"{path}: {why}. {fix}")


def _targets(path: str, data: dict, folder: str) -> tuple[Target, ...]:
    found = []
    for entry in data.get("targets", []):
        distros = tuple((d.get("name", ""), d.get("version", "")) for d in entry.get("distros", []))
        # The spec names the key ``variant``; the lifecycle reads ``arch-variant``.
        variant = entry.get("variant", entry.get("arch-variant", ""))
        found.append(Target(entry.get("os", ""), entry.get("arch", ""), variant, distros))
    if not found and os.path.exists(os.path.join(folder, "bin", "build")):
        found.append(Target(os="linux"))
    return tuple(found)


def read_buildpack(folder: str, optional: bool = False) -> Buildpack:
    """The buildpack in ``folder``; raises ``DescriptorError`` for what the spec forbids."""
    folder = os.path.abspath(folder)
    path = os.path.join(folder, "buildpack.toml")
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise _fail(path, "missing", "A buildpack is a folder holding buildpack.toml") from None
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, f"not TOML ({error})", "Fix its syntax") from None
    api = data.get("api")
    if not isinstance(api, str) or not API.fullmatch(api):
        raise _fail(path, f"api is {api!r}", 'Set api = "0.10" (a string, <major>.<minor>)')
    if api_tuple(api) not in {api_tuple(a) for a in SUPPORTED_APIS}:
        raise _fail(path, f"Buildpack API {api} is not one the lifecycle runs", "Use 0.7 to 0.12")
    info = data.get("buildpack")
    if not isinstance(info, dict):
        raise _fail(path, "no [buildpack] table", "Add [buildpack] with id, version and name")
    bp_id, version = info.get("id"), info.get("version")
    if not isinstance(bp_id, str) or not BUILDPACK_ID.fullmatch(bp_id):
        raise _fail(path, f"id {bp_id!r} is not letters, digits, '.', '/', '-'", "Rename it")
    if bp_id.lower() in RESERVED_IDS:
        raise _fail(path, f"id {bp_id!r} is reserved by the spec", "Rename it")
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise _fail(path, f"version {version!r} is not X.Y.Z", 'Set version = "1.0.0"')
    if "order" in data:
        raise _fail(path, "a composite buildpack ([[order]])", "Give the harness its components")
    for program in ("detect", "build"):
        executable = os.path.join(folder, "bin", program)
        if not os.access(executable, os.X_OK):
            raise _fail(executable, "missing or not executable", "Add it and chmod +x it")
    clear_env = info.get("clear-env", False)
    if not isinstance(clear_env, bool):
        raise _fail(path, f"clear-env is {clear_env!r}", "Make it true or false")
    return Buildpack(
        path=folder,
        api=api,
        id=bp_id,
        version=version,
        name=str(info.get("name", "")),
        clear_env=clear_env,
        targets=_targets(path, data, folder),
        optional=optional,
    )
