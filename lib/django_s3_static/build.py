"""``bin/compile``'s helper: verify the committed static cache, or collect and upload, then install.

    python -m django_s3_static.build BUILD_DIR CACHE_DIR ENV_DIR

The fast path costs the app's settings (the sources are checked against the finders record in the
committed cache, or with a full Django start-up when that record does not hold) and one paged
listing of the bucket prefix, made while the settings load. Only when the committed cache is
absent, stale or incomplete does it run collectstatic and upload the objects the bucket lacks.
The slug never references an object that is not in the bucket: the cache is written into the
slug only after every upload succeeded.
"""

from __future__ import annotations

import os
import sys

from . import deps, output
from .app import AppProcess, require_manage_py, settings_module
from .config import Config, read_env_dir, secret_values
from .errors import BuildError
from .publish import Timings, publish

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SLUG_LIB = os.path.join(".heroku", "django-s3-static")
PROFILE_SCRIPT = os.path.join(".profile.d", "django-s3-static.sh")


def compile_app(build_dir: str, cache_dir: str, env_dir: str) -> int:
    env = read_env_dir(env_dir)
    for value in secret_values(env):
        output.register_secret(value)
    output.step("Django static files on S3 (django-s3-static)")
    deps.ensure(cache_dir)
    manage_py = require_manage_py(build_dir)
    app = AppProcess(
        os.path.dirname(manage_py),
        settings_module(manage_py, env.get("DJANGO_SETTINGS_MODULE")),
        env,
    )
    output.info(f"App: {os.path.relpath(manage_py, build_dir)}, settings {app.settings}")
    if env.get("DISABLE_COLLECTSTATIC", "0") in ("", "0"):
        output.warn(
            "DISABLE_COLLECTSTATIC is not set, so heroku/python also ran collectstatic.",
            [
                "That work is wasted: this buildpack collects and uploads the static files itself.",
                "Turn it off with: heroku config:set DISABLE_COLLECTSTATIC=1",
            ],
        )
    timings = Timings()
    outcome = publish(app, env, timings, fork=True)
    cache_rel = os.path.relpath(outcome.cache_file, build_dir)
    if outcome.reason is None:
        output.info(
            f"Static files unchanged, {len(outcome.cache.objects)} objects verified in "
            f"{timings.last - timings.started:.2f} s (no collectstatic, nothing uploaded)"
        )
        if outcome.record_outdated:
            output.info(
                f"{cache_rel} has no finders record for these settings, so Django was started "
                "to check the sources;"
            )
            output.info(
                "run 'python manage.py publish_static' and commit it to check them with the "
                "settings alone"
            )
    else:
        output.info(f"Wrote {cache_rel} into the slug")
        output.info("Refresh the committed cache so the next build skips collectstatic:")
        output.info(
            f"  python manage.py publish_static && git add {os.path.dirname(cache_rel) or '.'}"
        )
    install_dyno_pieces(build_dir, app, outcome.config)
    output.info(f"Timings: {timings.line()}")
    return 0


def install_dyno_pieces(build_dir: str, app: AppProcess, config: Config) -> None:
    """Copy this package into the slug and write .profile.d; no config var is written anywhere."""
    import shlex
    import shutil

    target = os.path.join(build_dir, SLUG_LIB, "django_s3_static")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(PACKAGE_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    app_rel = os.path.relpath(app.app_dir, build_dir)
    script = PROFILE_TEMPLATE.format(
        lib=shlex.quote(SLUG_LIB),
        cache=shlex.quote(os.path.normpath(os.path.join(app_rel, config.cache_dir))),
        settings=shlex.quote(app.settings),
    )
    profile = os.path.join(build_dir, PROFILE_SCRIPT)
    os.makedirs(os.path.dirname(profile), exist_ok=True)
    with open(profile, "w", encoding="utf-8") as handle:
        handle.write(script)
    output.info(f"Installed the dyno settings snippet ({PROFILE_SCRIPT})")


PROFILE_TEMPLATE = """\
# django-s3-static: render {{% static %}} as hashed S3 URLs from the slug's static cache.
export PYTHONPATH="$HOME"/{lib}"${{PYTHONPATH:+:$PYTHONPATH}}"
export DJANGO_S3_STATIC_CACHE_PATH="${{DJANGO_S3_STATIC_CACHE_PATH:-$HOME/{cache}}}"
if [ "${{DJANGO_S3_STATIC_WRAP_SETTINGS:-1}}" != "0" ] \\
  && [ "${{DJANGO_SETTINGS_MODULE:-}}" != "django_s3_static.dyno_settings" ]; then
  export DJANGO_S3_STATIC_APP_SETTINGS="${{DJANGO_SETTINGS_MODULE:-{settings}}}"
  export DJANGO_SETTINGS_MODULE="django_s3_static.dyno_settings"
fi
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m django_s3_static.build BUILD_DIR CACHE_DIR ENV_DIR")
        return 2
    try:
        return compile_app(*(os.path.abspath(a) for a in args))
    except BuildError as exc:
        if not exc.reported:
            output.error(exc.title, exc.details)
        return exc.exit_code or 1
    except Exception:
        import traceback

        for line in traceback.format_exc().splitlines():
            output.raw(line)
        output.error(
            "django-s3-static failed unexpectedly (traceback above).",
            ["Please report it with the traceback; secrets in it have been redacted."],
        )
        return 1


if __name__ == "__main__":
    code = main()
    # The work is done and every line is out: skip the interpreter's teardown of the modules
    # (about 30 ms, a tenth of a build that changes nothing). Nothing is left to run: the app's
    # process has exited, temporary folders are removed, the threads have finished.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
