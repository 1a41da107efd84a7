"""What the CNB launcher does before a process starts: its environment, exec.d, and the command
line (pure but for reading the image's layers and running exec.d programs).

Platform spec, ``launcher`` (https://github.com/buildpacks/spec/blob/main/platform.md#launcher)
and "Launch Environment"; Buildpack API 0.10, "Launch", "Exec.d", "Exec.d Output (TOML)"; as the
lifecycle does it (``launch/launcher.go``, ``launch/process.go``, ``launch/exec_d.go``,
``launch/shell.go``, ``launch/bash.go``, ``env/launch.go``):

- the environment: the launcher's own (the run image's, plus what the platform sets: on Fir the
  app's config vars and the dyno's variables) without ``CNB_APP_DIR``, ``CNB_LAYERS_DIR``... and
  with ``/cnb/process`` off ``PATH``; then, per buildpack in build order, its launch layers (see
  ``env_files.with_launch_layers``); then each layer's ``exec.d/`` programs and
  ``exec.d/<process>/`` ones, in the same order, run in the app folder with fd 3 open, their TOML
  output (``NAME = "value"``) setting variables;
- a buildpack process (heroku/procfile's are ``command = ["bash", "-c"]``, ``args = ["<line>"]``)
  runs directly: ``command[0]`` looked up on the new ``PATH``, its other words then ``args`` (or
  the user's arguments instead of ``args``), in ``working-dir`` or the app folder. No profile
  script is sourced: ``.profile.d`` is a classic buildpack's folder and means nothing here;
- a command the user gives without a process type (``launcher <command>``, as for a one-off)
  goes through Bash: the layers' ``profile.d/`` scripts and ``<app>/.profile`` are sourced, then
  ``bash -c <command>`` runs in the app folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import tomllib

from .descriptor import api_tuple
from .env_files import launch_base_env, with_launch_layers
from .image import Image
from .layers import Process

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class LaunchError(Exception):
    """The launcher would exit before the process starts (its codes 80 to 89)."""


def _dirs(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    names = sorted(os.listdir(folder), key=os.fsencode)
    return [os.path.join(folder, n) for n in names if os.path.isdir(os.path.join(folder, n))]


def _files(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    names = sorted(os.listdir(folder), key=os.fsencode)
    return [os.path.join(folder, n) for n in names if not os.path.isdir(os.path.join(folder, n))]


def buildpack_layers(image: Image, layers_dir: str) -> list[list[str]]:
    """Each buildpack's layer folders, in build order (``eachBuildpack``, ``eachLayer``)."""
    return [_dirs(os.path.join(layers_dir, bp["id"].replace("/", "_"))) for bp in image.group]


def launch_env(image: Image, layers_dir: str, base: dict[str, str], process: str | None):
    env = launch_base_env(base)
    for layers in buildpack_layers(image, layers_dir):
        env = with_launch_layers(env, layers, process)
    return env


def parse_exec_d_output(text: str, program: str) -> dict[str, str]:
    """An exec.d program's fd 3: top-level ``NAME = "value"`` pairs, strings only."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LaunchError(
            f"failed to decode output from exec.d file at path '{program}': {error}"
        ) from None
    wrong = [k for k, v in data.items() if not isinstance(v, str) or not ENV_NAME.fullmatch(k)]
    if wrong:
        raise LaunchError(
            f"exec.d file at path '{program}' wrote {wrong}: each must be NAME = \"string\""
        )
    return data


def run_exec_d(
    image: Image,
    layers_dir: str,
    app_dir: str,
    env: dict[str, str],
    process: str | None,
    output,
    timeout: float,
) -> dict[str, str]:
    """``env`` after every exec.d program of the image has run (``doExecD``)."""
    env = dict(env)
    for layers in buildpack_layers(image, layers_dir):
        for layer in layers:
            programs = _files(os.path.join(layer, "exec.d"))
            if process:
                programs += _files(os.path.join(layer, "exec.d", process))
            for program in programs:
                with tempfile.TemporaryFile() as fd3:
                    # Bash opens fd 3 on the file, then becomes the program: $0 is its path.
                    command = ["bash", "-c", 'exec "$0" 3>&"$1"', program, str(fd3.fileno())]
                    done = subprocess.run(
                        command,
                        cwd=app_dir,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=output,
                        pass_fds=(fd3.fileno(),),
                        timeout=timeout,
                    )
                    if done.returncode != 0:
                        raise LaunchError(
                            f"failed to execute exec.d file at path '{program}': "
                            f"exit status {done.returncode}"
                        )
                    fd3.seek(0)
                    text = fd3.read().decode("utf-8", "replace")
                env.update(parse_exec_d_output(text, program))
    return env


def process_command(process: Process, user_args: list[str] | None, api: str) -> list[str]:
    """The process's argv: ``handleUserArgs`` (launch/process.go) for Platform API 0.10+: the
    command's words, then the user's arguments instead of ``args`` (after them, for a buildpack
    older than API 0.9)."""
    if not user_args:
        return [*process.command, *process.args]
    if api_tuple(api) < (0, 9):
        return [*process.command, *process.args, *user_args]
    return [*process.command, *user_args]


def find_binary(name: str, env: dict[str, str]) -> str:
    """``exec.LookPath`` on the process's ``PATH``."""
    if os.sep in name:
        return name
    found = shutil.which(name, path=env.get("PATH", ""))
    if found is None:
        raise LaunchError(f'determine start command: path lookup: "{name}" not found in PATH')
    return found


def profile_scripts(image: Image, layers_dir: str, app_dir: str, process: str | None) -> list:
    """What Bash sources before a user's command (``getProfiles``): layers' ``profile.d`` files,
    then ``<app>/.profile``."""
    scripts = []
    for layers in buildpack_layers(image, layers_dir):
        for layer in layers:
            scripts += _files(os.path.join(layer, "profile.d"))
            if process:
                scripts += _files(os.path.join(layer, "profile.d", process))
    if os.path.isfile(os.path.join(app_dir, ".profile")):
        scripts.append(".profile")
    return scripts


def user_command(scripts: list[str], app_dir: str, command: str) -> list[str]:
    """``BashShell.Launch`` for a command without arguments: a Bash that sources the scripts,
    changes to the app folder and runs the command with ``bash -c``."""
    lines = [f'source "{script}"' for script in scripts]
    lines += [f'cd "{app_dir}"', 'exec bash -c "$@"']
    return ["bash", "-c", "\n".join(lines) + "\n", "/cnb/lifecycle/launcher", command]
