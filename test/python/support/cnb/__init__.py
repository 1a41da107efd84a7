"""A Cloud Native Buildpacks lifecycle for tests, written from the spec: ``pack`` and the
lifecycle cannot be installed here, and Heroku Fir builds with them (heroku/builder:24: the
lifecycle, then heroku/python, the app's buildpacks, heroku/procfile).

It runs real buildpack folders (``buildpack.toml`` + executable ``bin/detect``, ``bin/build``) as
subprocesses the way Buildpack API 0.10 and the lifecycle say (buildpacks/spec at
``buildpack/0.10``, platform.md at b745fcfd; buildpacks/lifecycle's Go code, read at 4bd4b13e,
where the spec leaves a choice), then exports
an image and a cache, rebuilds from them, and launches the image's processes:

    from support import cnb

    @pytest.fixture(scope="module")
    def fir(tmp_path_factory):
        with cnb.Lifecycle(
            tmp_path_factory.mktemp("fir"),
            buildpacks=[cnb.fake_heroku_python(), ROOT, cnb.fake_procfile()],
            app_source=app_folder,                      # copied fresh into <app> at each build
            platform_env={"SECRET_KEY": "x", ...},      # config vars: <platform>/env/ and runtime
            exec_env="production",                      # CNB_EXEC_ENV (Buildpack API 0.12+ only)
            exec_env_for_every_api=False,               # True: the platform sets it for any API
        ) as lc:                                        # closing stops what it launched
            yield lc

    detected = lc.detect()             # DetectResult: passed, returncode (0, 20, 21), runs
                                       #   (per buildpack: code, output, plan), group, plan
    built = lc.build().check()         # BuildResult: returncode (0, 20, 21, 51, 52, 62),
                                       #   output (the build log), detect, image; check()
                                       #   raises with the log unless it built
    again = lc.build(app_source=other) # a rebuild: layers restored from the last image and cache
    web = lc.serve("web", env={...})   # PORT set, waits until it listens: url, log(), stop()
    release = lc.launch("release")     # a Popen (Launched): wait(), log(), stop(); default: the
                                       #   default process; args=[...] replace the process's args
    done = lc.run("python manage.py check")  # a one-off: CompletedProcess, stdout and stderr
    lc.process_env("web")              # the environment the process starts with
    lc.image, lc.images, lc.cache      # exported images (app, layers, processes) and the cache
    lc.clear_cache()                   # as heroku builds:cache:purge
    cnb.optional(path)                 # a group entry marked optional

``root`` holds ``platform/env/``, ``workspace/`` (``<app>``), ``layers/`` (``<layers>``),
``home/`` (``HOME``), ``images/<n>/``, ``cache/``, and ``build-<n>.log`` / process logs. Every
subprocess is bounded by a timeout (``detect_timeout``, ``build_timeout``, ``exec_d_timeout``;
``run(timeout=)``); launched processes run until stopped.

The rules, module by module (each cites its sources): ``env_files`` (env files, layer paths,
platform env), ``layers`` (layer TOMLs, the "Layer Types" restore table, launch.toml,
build.toml), ``descriptor`` (buildpack.toml, targets), ``detection`` (exit codes, groups, build
plans), ``image`` (export with file times reset, cache, restore), ``launcher`` (launch
environment, exec.d, process command lines), ``launching`` (running an image),
``lifecycle`` (detect and build). Fakes of the platform's buildpacks: ``fake_python`` (heroku/
python's layers: ``python``, ``uv``, ``uv-cache``, ``venv``..., and its collectstatic),
``fake_procfile``; ``write_buildpack`` makes small Bash buildpacks for tests.

What it does not model: OCI images and registries (folders stand for layers; a layer's digest is
the export that made it), SBOM files, image labels, slices, extensions, composite buildpacks and
orders of several groups (one group: the buildpacks given), ``<build-config>/env``, analysis
against a registry, rebasing, process ``exec-env`` filtering (Platform API 0.15), and user
namespaces or read-only mounts: a launched process can write into ``<app>`` and ``<layers>``, and
the processes of one image share one ``<app>``. Detection and build see this machine's TLS and
proxy variables (``lifecycle.MACHINE_NETWORK``) so that they reach package indexes.
"""

from .descriptor import Buildpack, DescriptorError, Target, read_buildpack
from .detection import DetectResult, DetectRun
from .fakes import fake_heroku_python, fake_procfile, write_buildpack
from .image import NORMALIZED_TIME, Image
from .launcher import LaunchError
from .launching import Launched
from .lifecycle import BuildpackRef, BuildResult, Lifecycle, optional

__all__ = [
    "NORMALIZED_TIME",
    "BuildResult",
    "Buildpack",
    "BuildpackRef",
    "DescriptorError",
    "DetectResult",
    "DetectRun",
    "Image",
    "LaunchError",
    "Launched",
    "Lifecycle",
    "Target",
    "fake_heroku_python",
    "fake_procfile",
    "optional",
    "read_buildpack",
    "write_buildpack",
]
