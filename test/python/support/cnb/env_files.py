"""The environment a layer gives later buildpacks and the launched processes (pure but for reading
a layer's folders).

Rules: Buildpack API 0.10, "Environment" (https://github.com/buildpacks/spec/blob/buildpack/0.10/
buildpack.md#environment), as the lifecycle applies them (buildpacks/lifecycle ``env/env.go``,
``env/build.go``, ``env/launch.go``, ``buildpack/build.go`` ``setupEnv``, ``launch/launcher.go``
``doEnv``):

- the variable is the file name up to its first ``.``; the rest is the action: none and
  ``.override`` set, ``.default`` sets only when the variable is empty, ``.prepend`` and
  ``.append`` join with the contents of ``<NAME>.delim`` in the same folder, or with nothing;
  ``.delim`` itself does nothing; any other suffix is ignored. A name ending in ``.`` (an empty
  suffix) prepends with the path separator: the lifecycle's ``ActionTypePrependPath``;
- each folder's files apply one after the other in name order, contents as raw bytes, never
  evaluated by a shell; folders and links to folders inside are skipped;
- a layer's ``bin/`` is prepended to ``PATH`` and ``lib/`` to ``LD_LIBRARY_PATH`` (and, for
  build, ``lib/`` to ``LIBRARY_PATH``, ``include/`` to ``CPATH``, ``pkgconfig/`` to
  ``PKG_CONFIG_PATH``), joined with ``:``, before the layer's own files;
- build: each build layer (``<layer>.toml`` order) in turn: its root folders, ``env/``,
  ``env.build/``; launch: per buildpack, the root folders of all its layers, then for each layer
  ``env/``, ``env.launch/``, ``env.launch/<process>/``;
- platform env files (``<platform>/env/<NAME>``): the path variables get the value prepended with
  ``:``, the others are overridden (``Env.WithOverrides``).
"""

from __future__ import annotations

import os

#: What ``<layer>/<folder>`` is prepended to: env/build.go ``POSIXBuildEnv``, env/launch.go
#: ``POSIXLaunchEnv``.
BUILD_ROOT_DIRS = {
    "bin": ("PATH",),
    "lib": ("LD_LIBRARY_PATH", "LIBRARY_PATH"),
    "include": ("CPATH",),
    "pkgconfig": ("PKG_CONFIG_PATH",),
}
LAUNCH_ROOT_DIRS = {"bin": ("PATH",), "lib": ("LD_LIBRARY_PATH",)}
PATH_VARIABLES = frozenset(name for names in BUILD_ROOT_DIRS.values() for name in names)
SEPARATOR = os.pathsep
#: What the lifecycle passes from its own environment to detect and build (env/build.go
#: ``BuildEnvIncludelist``), besides the path variables.
BUILD_ENV_INCLUDE = (
    "CNB_STACK_ID",
    "HOSTNAME",
    "HOME",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
)
#: What the launcher removes from the process's environment (env/launch.go).
LAUNCH_ENV_EXCLUDE = (
    "CNB_LAYERS_DIR",
    "CNB_APP_DIR",
    "CNB_PROCESS_TYPE",
    "CNB_PLATFORM_API",
    "CNB_DEPRECATION_MODE",
)

Env = dict[str, str]
Files = list[tuple[str, str]]


def _prepend(text: str, current: str, delim: str) -> str:
    """The lifecycle's ``v + prefix(existing, delim)``: no delimiter before an empty value."""
    return text + (delim + current if current else "")


def _append(current: str, text: str, delim: str) -> str:
    """The lifecycle's ``suffix(existing, delim) + v``."""
    return (current + delim if current else "") + text


def apply_files(env: Env, files: Files) -> Env:
    """``env`` changed by one env folder's ``(file name, contents)``, in the order given."""
    result = dict(env)
    delims = {name[: -len(".delim")]: text for name, text in files if name.endswith(".delim")}
    for filename, text in files:
        name, dot, action = filename.partition(".")
        if not dot:
            action = "override"
        current = result.get(name, "")
        if action == "override":
            result[name] = text
        elif action == "default":
            if not current:
                result[name] = text
        elif action == "prepend":
            result[name] = _prepend(text, current, delims.get(name, ""))
        elif action == "append":
            result[name] = _append(current, text, delims.get(name, ""))
        elif action == "":
            result[name] = _prepend(text, current, delims.get(name, SEPARATOR))
    return result


def read_env_dir(folder: str) -> Files:
    """A folder's env files in name order (byte order, as Go's ``os.ReadDir``); none if absent."""
    try:
        names = sorted(os.listdir(folder), key=os.fsencode)
    except FileNotFoundError:
        return []
    files = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            continue
        with open(path, "rb") as handle:
            files.append((name, os.fsdecode(handle.read())))
    return files


def apply_env_dir(env: Env, folder: str) -> Env:
    return apply_files(env, read_env_dir(folder))


def add_root_dirs(env: Env, layer: str, root_dirs: dict[str, tuple[str, ...]]) -> Env:
    """The layer's ``bin/``, ``lib/``... prepended to their variables (``Env.AddRootDir``)."""
    result = dict(env)
    for child, names in root_dirs.items():
        path = os.path.join(os.path.abspath(layer), child)
        if os.path.exists(path):
            for name in names:
                result[name] = _prepend(path, result.get(name, ""), SEPARATOR)
    return result


def with_build_layer(env: Env, layer: str) -> Env:
    """After a buildpack: one of its ``build = true`` layers added for the next buildpacks."""
    env = add_root_dirs(env, layer, BUILD_ROOT_DIRS)
    env = apply_env_dir(env, os.path.join(layer, "env"))
    return apply_env_dir(env, os.path.join(layer, "env.build"))


def with_launch_layers(env: Env, layers: list[str], process: str | None) -> Env:
    """One buildpack's launch layers (folder name order) applied for ``process`` (None: a command
    given by the user, which has no process type)."""
    for layer in layers:
        env = add_root_dirs(env, layer, LAUNCH_ROOT_DIRS)
    for layer in layers:
        env = apply_env_dir(env, os.path.join(layer, "env"))
        env = apply_env_dir(env, os.path.join(layer, "env.launch"))
        if process:
            env = apply_env_dir(env, os.path.join(layer, "env.launch", process))
    return env


def with_platform_env(env: Env, platform_env: dict[str, str]) -> Env:
    """The user's config vars over ``env`` for detect and build when ``clear-env`` is not set."""
    result = dict(env)
    for name, text in platform_env.items():
        if name in PATH_VARIABLES:
            result[name] = _prepend(text, result.get(name, ""), SEPARATOR)
        else:
            result[name] = text
    return result


def read_platform_env(platform_dir: str) -> dict[str, str]:
    """``<platform>/env/<NAME>``: one variable per file, in name order."""
    return dict(read_env_dir(os.path.join(platform_dir, "env")))


def build_base_env(host_env: dict[str, str]) -> Env:
    """What detect and build inherit of the lifecycle's own environment (``NewBuildEnv``)."""
    keep = set(BUILD_ENV_INCLUDE) | PATH_VARIABLES
    return {name: text for name, text in host_env.items() if name in keep}


def launch_base_env(host_env: dict[str, str]) -> Env:
    """What a launched process inherits of the launcher's environment (``NewLaunchEnv``): all but
    the lifecycle's own variables, and ``/cnb/process`` / ``/cnb/lifecycle`` out of ``PATH``."""
    result = {k: v for k, v in host_env.items() if k not in LAUNCH_ENV_EXCLUDE}
    if "PATH" in result:
        parts = result["PATH"].split(SEPARATOR)
        kept = [p for p in parts if p not in ("/cnb/process", "/cnb/lifecycle")]
        result["PATH"] = SEPARATOR.join(kept)
    return result
