"""Running an image the way Fir's dynos do: through the launcher's rules (``launcher.py``), with
the image's app and layers at the paths the build used.

A CNB image keeps absolute paths (the venv's ``bin/python`` links and ``pyvenv.cfg`` point into
``/layers/...``; the spec: "Ensure the absolute path of ``<layers>/<layer>`` is preserved"), so an
image runs from the same ``<app>`` and ``<layers>`` folders its build used: launching "mounts" it
there (a copy of the app, hard links of the layers) unless it is already there. One ``<app>`` is
shared by every process launched from an image (unlike separate dynos), and a build replaces it:
stop the processes first (``stop_all``). Config vars are in the process's environment, as on Fir;
``HOME`` is the lifecycle's ``home/`` folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable

from ..dyno import ServedProcess, free_port, wait_listening
from .image import Image, copy_tree, link_tree
from .launcher import (
    LaunchError,
    find_binary,
    launch_env,
    process_command,
    profile_scripts,
    run_exec_d,
    user_command,
)
from .layers import Process


class Launched(subprocess.Popen):
    """A launched process (its own session), logging to ``log_path``."""

    log_path: str = ""

    def log(self) -> str:
        with open(self.log_path, errors="replace") as handle:
            return handle.read()

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to its process group, as a dyno stop, then SIGKILL after ``timeout``."""
        if self.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.wait(timeout=timeout)


class Launching:
    """The launch half of ``Lifecycle`` (which sets the folders and ``images``)."""

    root: str
    app_dir: str
    layers_dir: str
    home: str
    platform_env: dict[str, str]
    exec_d_timeout: float
    images: list[Image]
    network_env: Callable[[], dict[str, str]]

    def __init__(self) -> None:
        self.mounted: int | None = None
        self.launched: list[Launched] = []

    def _pick(self, image: Image | None) -> Image:
        image = image or (self.images[-1] if self.images else None)
        if image is None:
            raise LaunchError("no image to launch: build first (a failed build leaves none)")
        return image

    def require_stopped(self, doing: str) -> None:
        running = [p for p in self.launched if p.poll() is None]
        if running:
            raise RuntimeError(
                f"{len(running)} launched process(es) still run from <app> and <layers> "
                f"(pids {[p.pid for p in running]}): stop them (stop_all()) before {doing}"
            )

    def mount(self, image: Image) -> None:
        """``image`` at ``<app>`` and ``<layers>``."""
        if self.mounted == image.number:
            return
        self.require_stopped(f"launching image {image.number}")
        for folder in (self.app_dir, self.layers_dir):
            shutil.rmtree(folder, ignore_errors=True)
        copy_tree(image.app, self.app_dir)
        link_tree(image.layers_dir, self.layers_dir)
        self.mounted = image.number

    def runtime_env(self, env: dict[str, str] | None) -> dict[str, str]:
        """The launcher's own environment: the run image's, the config vars, ``env``."""
        base = {
            "PATH": "/cnb/process:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.home,
            "CNB_APP_DIR": self.app_dir,
            "CNB_LAYERS_DIR": self.layers_dir,
        }
        return {**base, **self.network_env(), **self.platform_env, **(env or {})}

    def _process(self, image: Image, process_type: str | None) -> Process:
        kind = process_type or image.default_process
        if not kind:
            raise LaunchError(f"no default process type: name one of {sorted(image.processes)}")
        if kind not in image.processes:
            raise LaunchError(f"process type {kind} was not found in {sorted(image.processes)}")
        return image.processes[kind]

    def process_env(
        self,
        process_type: str | None = None,
        env: dict[str, str] | None = None,
        image: Image | None = None,
        output=None,
    ) -> dict[str, str]:
        """The environment the process starts with (None: a user's command), exec.d included."""
        image = self._pick(image)
        self.mount(image)
        launched = launch_env(image, self.layers_dir, self.runtime_env(env), process_type)
        return run_exec_d(
            image,
            self.layers_dir,
            self.app_dir,
            launched,
            process_type,
            output if output is not None else subprocess.DEVNULL,
            self.exec_d_timeout,
        )

    def _log(self, name: str):
        path = os.path.join(self.root, f"{name}-{len(self.launched) + 1}.log")
        return path, open(path, "ab")  # noqa: SIM115 - handed to the child

    def launch(
        self,
        process_type: str | None = None,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        image: Image | None = None,
    ) -> Launched:
        """A buildpack process (the default one when ``process_type`` is None), started as
        ``/cnb/process/<type> [args...]`` would be; stop it with ``stop()`` or ``stop_all()``."""
        image = self._pick(image)
        process = self._process(image, process_type)
        log_path, log = self._log(process.type)
        with log:
            process_env = self.process_env(process.type, env, image, output=log)
            api = next(bp["api"] for bp in image.group if bp["id"] == process.buildpack_id)
            argv = process_command(process, args, api)
            binary = find_binary(argv[0], process_env)
            started = Launched(
                argv,
                executable=binary,
                cwd=os.path.join(self.app_dir, process.working_dir),
                env=process_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.log_path = log_path
        self.launched.append(started)
        return started

    def run(
        self,
        command: str,
        env: dict[str, str] | None = None,
        timeout: float = 300,
        image: Image | None = None,
    ) -> subprocess.CompletedProcess:
        """A one-off command (``launcher "<command>"``): Bash sources the layers' ``profile.d``
        and ``<app>/.profile``, then runs ``bash -c <command>`` in the app folder. Text out."""
        image = self._pick(image)
        process_env = self.process_env(None, env, image)
        scripts = profile_scripts(image, self.layers_dir, self.app_dir, None)
        argv = user_command(scripts, self.app_dir, command)
        process = subprocess.Popen(
            argv,
            executable="/bin/bash",  # BashShell.Launch execs /bin/bash, whatever PATH says
            cwd=self.app_dir,
            env=process_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            err += f"\n(killed: the command ran longer than {timeout} s)\n"
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    def serve(self, process_type: str = "web", env: dict[str, str] | None = None, timeout=30):
        """The process with ``PORT`` set, once it accepts connections there: a ``ServedProcess``
        (``url``, ``log()``, ``stop()``) as dyno.py's web dynos are."""
        port = free_port()
        process = self.launch(process_type, {**(env or {}), "PORT": str(port)})
        served = ServedProcess(process, f"http://127.0.0.1:{port}", process.log_path)
        return wait_listening(served, port, timeout, f"the {process_type} process")

    def stop_all(self) -> None:
        for process in self.launched:
            process.stop()

    def close(self) -> None:
        self.stop_all()

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
