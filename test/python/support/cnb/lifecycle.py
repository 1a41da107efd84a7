"""``Lifecycle``: detect, build, export and rebuild real buildpack folders as the CNB lifecycle
does (see the package's docstring for the API, and ``launching.py`` for what runs the image).

Buildpack API 0.10 (https://github.com/buildpacks/spec/blob/buildpack/0.10/buildpack.md),
"Detection" and "Build": each ``bin/<program>`` runs with the app folder as working directory,
stdout and stderr into the build log, and the positional arguments the lifecycle still passes
(``<platform> <plan>`` to detect, ``<layers> <platform> <plan>`` to build: lifecycle
``buildpack/detect.go`` ``runDetect``, ``buildpack/build.go`` ``runBuildCmd``), with the
environment: the lifecycle's own, filtered (``env_files.build_base_env``); then the build layers
of the buildpacks before; then, unless the buildpack sets ``clear-env``, the platform's
``env/`` files; then ``CNB_BUILDPACK_DIR``, and from API 0.8 ``CNB_PLATFORM_DIR``,
``CNB_BUILD_PLAN_PATH`` (detect) or ``CNB_LAYERS_DIR`` and ``CNB_BP_PLAN_PATH`` (build), from
0.10 ``CNB_TARGET_*``, from 0.12 ``CNB_EXEC_ENV``. A buildpack declaring API 0.10 or 0.11 gets
no ``CNB_EXEC_ENV`` from the lifecycle (``buildpack/build.go``), unless the platform sets it in
the build environment itself (``exec_env_for_every_api``): heroku-buildpack-dotnet's classic
``bin/test-compile`` runs its CNB's ``bin/build`` with ``CNB_EXEC_ENV=test``, and
heroku/buildpacks-go#439 reads it on API 0.10, before libcnb.rs supports API 0.12
(heroku/libcnb.rs#990). Which of the two Heroku CI on Fir does is not documented.

After each buildpack: the layer TOMLs are checked (``layers.parse_layer_toml``), layers with no
type renamed ``<layer>.ignore``, build layers added to the environment of the next ones,
``build.toml``'s unmet entries passed on, ``launch.toml``'s processes merged. Exit codes are the
lifecycle's (``platform/exit.go``): 20/21 detection, 51 a buildpack failed, 52 its output was
refused, 62 the export failed.
"""

from __future__ import annotations

import os
import platform as host
import shutil
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

import tomllib

from . import image as images
from .descriptor import Buildpack, DescriptorError, Target, read_buildpack
from .detection import DetectResult, DetectRun, plan_error, plan_for, resolve, without_met
from .env_files import build_base_env, read_platform_env, with_build_layer, with_platform_env
from .launching import Launching
from .layers import (
    RESERVED_LAYER_NAMES,
    LayerError,
    Types,
    merge_processes,
    parse_build_toml,
    parse_launch_toml,
    parse_layer_toml,
)
from .tomlw import dumps

#: Ubuntu's default PATH, which the heroku/heroku:24 images keep.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FAILED_BUILD, BUILD_ERROR, EXPORT_ERROR = 51, 52, 62
#: This machine reaches package indexes through a TLS proxy whose CA only these variables name;
#: a real builder trusts public CAs without them. They pass the lifecycle's filter here, into
#: detect, build and launch, and so does a proxy's address.
MACHINE_NETWORK = (
    *("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT"),
    *("NIX_SSL_CERT_FILE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy"),
    "no_proxy",
)
ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
#: heroku/builder:24's run image.
HEROKU_24 = Target("linux", ARCHES.get(host.machine(), host.machine()), "", (("ubuntu", "24.04"),))


@dataclass(frozen=True)
class BuildpackRef:
    """A buildpack folder in the group, optional or not (``[[io.buildpacks.group]]``)."""

    path: str
    optional: bool = False


def optional(path: str) -> BuildpackRef:
    return BuildpackRef(str(path), True)


@dataclass
class BuildResult:
    """The lifecycle's exit code (0 built), its log (detect and build output, as ``pack``
    shows it), the detection, and the image (None when the build failed)."""

    returncode: int
    output: str
    detect: DetectResult
    image: images.Image | None

    def check(self) -> BuildResult:
        if self.returncode != 0:
            raise AssertionError(f"the build failed ({self.returncode}):\n{self.output}")
        return self


class BuildFailure(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class Lifecycle(Launching):
    """One app on one platform: its buildpack group, source, config vars, images and cache, all
    under ``root`` (``platform/``, ``workspace/`` = ``<app>``, ``layers/``, ``home/``,
    ``images/<n>/``, ``cache/``)."""

    def __init__(
        self,
        root: str,
        buildpacks: list,
        app_source: str,
        platform_env: dict[str, str] | None = None,
        exec_env: str = "production",
        exec_env_for_every_api: bool = False,
        target: Target = HEROKU_24,
        detect_timeout: float = 60,
        build_timeout: float = 900,
        exec_d_timeout: float = 60,
    ):
        self.root = os.path.abspath(str(root))
        refs = [b if isinstance(b, BuildpackRef) else BuildpackRef(str(b)) for b in buildpacks]
        self.refs = refs
        self.app_source = str(app_source)
        self.platform_env = dict(platform_env or {})
        self.exec_env = exec_env
        self.exec_env_for_every_api = exec_env_for_every_api
        self.target = target
        self.detect_timeout, self.build_timeout = detect_timeout, build_timeout
        self.exec_d_timeout = exec_d_timeout
        self.app_dir = os.path.join(self.root, "workspace")
        self.layers_dir = os.path.join(self.root, "layers")
        self.platform_dir = os.path.join(self.root, "platform")
        self.home = os.path.join(self.root, "home")
        self.cache_dir = os.path.join(self.root, "cache")
        self.images: list[images.Image] = []
        self.cache: dict[tuple[str, str], images.Layer] = {}
        Launching.__init__(self)
        for folder in (self.home, os.path.join(self.root, "images")):
            os.makedirs(folder, exist_ok=True)

    @property
    def image(self) -> images.Image | None:
        """The last image a build exported."""
        return self.images[-1] if self.images else None

    def clear_cache(self) -> None:
        """Drop the build cache, as ``heroku builds:cache:purge`` does."""
        shutil.rmtree(self.cache_dir, ignore_errors=True)
        self.cache = {}

    def network_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k in MACHINE_NETWORK}

    def base_build_env(self) -> dict[str, str]:
        """What detect and build inherit of the lifecycle's environment in the builder image."""
        host = {"PATH": DEFAULT_PATH, "HOME": self.home, "HOSTNAME": "cnb-harness"}
        return {**build_base_env(host), **self.network_env()}

    def _prepare(self, app_source: str | None) -> None:
        """A fresh ``<app>`` from the source, an empty ``<layers>``, the platform's env files."""
        self.require_stopped("building again")
        if app_source is not None:
            self.app_source = str(app_source)
        for folder in (self.app_dir, self.layers_dir, self.platform_dir):
            shutil.rmtree(folder, ignore_errors=True)
        self.mounted = None
        images.copy_tree(self.app_source, self.app_dir)
        os.makedirs(self.layers_dir)
        env_dir = os.path.join(self.platform_dir, "env")
        os.makedirs(env_dir)
        for name, text in self.platform_env.items():
            with open(os.path.join(env_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)

    def _buildpacks(self) -> list[Buildpack]:
        return [read_buildpack(ref.path, ref.optional) for ref in self.refs]

    def _env(self, bp: Buildpack, env: dict[str, str], **cnb: str) -> dict[str, str]:
        if not bp.clear_env:
            env = with_platform_env(env, read_platform_env(self.platform_dir))
        env = {**env, "CNB_BUILDPACK_DIR": bp.path}
        if bp.api_at_least("0.8"):
            env.update({"CNB_PLATFORM_DIR": self.platform_dir, **cnb})
        if bp.api_at_least("0.10"):
            target = self.target
            env.update({"CNB_TARGET_OS": target.os, "CNB_TARGET_ARCH": target.arch})
            if target.variant:
                env["CNB_TARGET_ARCH_VARIANT"] = target.variant
            if target.distros:
                env["CNB_TARGET_DISTRO_NAME"] = target.distros[0][0]
                env["CNB_TARGET_DISTRO_VERSION"] = target.distros[0][1]
        if self.exec_env and (bp.api_at_least("0.12") or self.exec_env_for_every_api):
            env["CNB_EXEC_ENV"] = self.exec_env
        return env

    def _run(self, argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, str]:
        """A buildpack program in its own session; killed with its children on timeout."""
        process = subprocess.Popen(
            argv,
            cwd=self.app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, _ = process.communicate()
            text = out.decode("utf-8", "replace")
            return -1, text + f"\n(killed: {argv[0]} ran longer than {timeout} s)\n"
        return process.returncode, out.decode("utf-8", "replace")

    def detect(self, app_source: str | None = None) -> DetectResult:
        """Detection alone, on a fresh copy of the source."""
        self._prepare(app_source)
        return self._detect([])

    def _detect(self, log: list[str]) -> DetectResult:
        log.append("===> DETECTING")
        runs = []
        for bp in self._buildpacks():
            if not bp.runs_on(self.target) and not bp.optional:
                error = f"unable to satisfy target os/arch constraints; run image: {self.target}"
                runs.append(DetectRun(bp, -1, "", {}, error))
                continue
            plan_dir = os.path.join(self.root, "tmp", "detect", bp.escaped_id)
            os.makedirs(plan_dir, exist_ok=True)
            plan_path = os.path.join(plan_dir, "plan.toml")
            open(plan_path, "w").close()
            env = self._env(bp, self.base_build_env(), CNB_BUILD_PLAN_PATH=plan_path)
            argv = [os.path.join(bp.path, "bin", "detect"), self.platform_dir, plan_path]
            code, output = self._run(argv, env, self.detect_timeout)
            run = DetectRun(bp, code, output)
            if code == 0:
                try:
                    with open(plan_path, "rb") as handle:
                        run.plan = tomllib.load(handle)
                    run.error = plan_error(run.plan)
                except tomllib.TOMLDecodeError as error:
                    run.error = f"its build plan is not TOML: {error}"
                run.code = -1 if run.error else 0
            runs.append(run)
        result = resolve(runs)
        for run in runs:
            if run.output:
                log += [f"======== Output: {run.buildpack} ========", run.output.rstrip("\n")]
            if run.error:
                log += [f"======== Error: {run.buildpack} ========", run.error]
        for run in runs:
            word = {0: "pass", 100: "skip" if run.buildpack.optional else "fail"}.get(run.code)
            error = f"err:  {run.buildpack} ({run.code})"
            log.append(f"{word}: {run.buildpack}" if word else error)
        if result.passed:
            log += [f"{bp.id} {bp.version}" for bp in result.group]
        else:
            log.append(f"ERROR: {result.message}")
        return result

    def build(self, app_source: str | None = None) -> BuildResult:
        """A build of ``app_source`` (or the last source): detect, restore from the last image and
        the cache, build, export. The image is ``self.image``; the cache is replaced."""
        self._prepare(app_source)
        log: list[str] = []
        detected = self._detect(log)
        if not detected.passed:
            return self._finish(BuildResult(detected.returncode, "", detected, None), log)
        previous = self.image
        log.append("===> RESTORING")
        if previous and previous.exec_env != self.exec_env:
            # platform.md: a build for another execution environment SHOULD NOT restore layers.
            log.append(f"Not restoring: the last image was built for {previous.exec_env}")
            restore_from, cached = None, {}
        else:
            restore_from, cached = previous, self.cache
        images.restore(self.layers_dir, detected.group, restore_from, self.cache_dir, cached, log)
        log.append("===> BUILDING")
        number = len(self.images) + 1
        image = images.Image(
            os.path.join(self.root, "images", str(number)),
            number,
            [{"id": bp.id, "version": bp.version, "api": bp.api} for bp in detected.group],
            self.exec_env,
        )
        try:
            declared = self._build_group(detected, image, log)
            log.append("===> EXPORTING")
            images.export(image, self.app_dir, self.layers_dir, declared, restore_from, log)
        except BuildFailure as failure:
            log.append(f"ERROR: {failure}")
            shutil.rmtree(image.path, ignore_errors=True)
            return self._finish(BuildResult(failure.code, "", detected, None), log)
        except images.ExportError as error:
            log.append(f"ERROR: {error}")
            shutil.rmtree(image.path, ignore_errors=True)
            return self._finish(BuildResult(EXPORT_ERROR, "", detected, None), log)
        self.cache = images.save_cache(self.cache_dir, image, self.layers_dir, declared, log)
        self.images.append(image)
        return self._finish(BuildResult(0, "", detected, image), log)

    def _finish(self, result: BuildResult, log: list[str]) -> BuildResult:
        result.output = "\n".join(log) + "\n"
        with open(os.path.join(self.root, f"build-{len(self.images)}.log"), "w") as handle:
            handle.write(result.output)
        shutil.rmtree(os.path.join(self.root, "tmp"), ignore_errors=True)
        return result

    def _build_group(self, detected: DetectResult, image: images.Image, log: list[str]):
        env = self.base_build_env()
        plan = detected.plan
        declared: dict[tuple[str, str], tuple[Types, Any]] = {}
        processes: dict = {}
        default = ""
        for bp in detected.group:
            bp_dir = os.path.join(self.layers_dir, bp.escaped_id)
            os.makedirs(bp_dir, exist_ok=True)
            entries = plan_for(plan, bp)
            plan_path = os.path.join(self.root, "tmp", "build", bp.escaped_id, "plan.toml")
            os.makedirs(os.path.dirname(plan_path), exist_ok=True)
            with open(plan_path, "w", encoding="utf-8") as handle:
                handle.write(dumps({"entries": entries}) if entries else "")
            bp_env = self._env(bp, env, CNB_LAYERS_DIR=bp_dir, CNB_BP_PLAN_PATH=plan_path)
            argv = [os.path.join(bp.path, "bin", "build"), bp_dir, self.platform_dir, plan_path]
            code, output = self._run(argv, bp_env, self.build_timeout)
            log.append(output.rstrip("\n"))
            if code != 0:
                raise BuildFailure(FAILED_BUILD, f"failed to build: exit status {code}")
            names = [entry["name"] for entry in entries]
            try:
                env = self._after_buildpack(bp, bp_dir, env, declared)
                build_toml, launch_toml = _text(bp_dir, "build.toml"), _text(bp_dir, "launch.toml")
                unmet = parse_build_toml(build_toml, f"{bp_dir}/build.toml", names)
                plan = without_met(plan, [name for name in names if name not in unmet])
                added = parse_launch_toml(launch_toml, bp.api, f"{bp_dir}/launch.toml", bp.id)
            except LayerError as error:
                raise BuildFailure(BUILD_ERROR, str(error)) from None
            processes, default, warning = merge_processes(processes, default, added)
            if warning:
                log.append(warning)
            store = images.read_store(bp_dir)
            if store is not None:
                image.stores[bp.id] = store
        image.processes, image.default_process = processes, default
        return declared

    def _after_buildpack(self, bp: Buildpack, bp_dir: str, env: dict[str, str], declared) -> dict:
        """Check the layer TOMLs, rename the ignored layers, add the build layers to ``env``."""
        for name in RESERVED_LAYER_NAMES:
            if os.path.isdir(os.path.join(bp_dir, name)):
                raise LayerError(
                    f"{bp_dir}/{name}: a layer may not be named build, launch or store "
                    "(Buildpack API 0.10, Build); rename it"
                )
        names = images.layer_names(bp_dir)
        for name in names:
            path = os.path.join(bp_dir, name)
            with open(path + ".toml", encoding="utf-8") as handle:
                layer = parse_layer_toml(handle.read(), path + ".toml")
            declared[(bp.id, name)] = (layer.types, layer.metadata)
            if layer.types.ignored and os.path.lexists(path):
                os.rename(path, path + ".ignore")
        for name in names:
            if declared[(bp.id, name)][0].build:
                env = with_build_layer(env, os.path.join(bp_dir, name))
        return env


def _text(folder: str, name: str) -> str:
    """A file the buildpack may write; empty when it did not."""
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


__all__ = ["BuildResult", "BuildpackRef", "DescriptorError", "Lifecycle", "optional"]
