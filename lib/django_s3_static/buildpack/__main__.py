"""``python -m django_s3_static.buildpack VERB DIR DIR DIR``: the buildpack's helper.

``compile`` and ``test-compile`` (Cedar: BUILD_DIR BUILD_CACHE ENV_DIR), ``build`` (a Cloud Native
Buildpack build: APP_DIR LAYERS_DIR PLATFORM_DIR, the execution environment in ``CNB_EXEC_ENV``).
"""

from __future__ import annotations

import os
import sys

from . import bytecode

VERBS = ("compile", "test-compile", "build")
USAGE = (
    "usage: python -m django_s3_static.buildpack {compile|test-compile} BUILD_DIR BUILD_CACHE "
    "ENV_DIR\n       python -m django_s3_static.buildpack build APP_DIR LAYERS_DIR PLATFORM_DIR"
)
#: The package this helper runs from: its bytecode is kept in the build cache (``bytecode``).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] not in VERBS:
        print(USAGE)
        return 2
    verb, *dirs = args
    dirs = [os.path.abspath(a) for a in dirs]
    restored = verb != "build" and _restore_bytecode(dirs[1])  # Cedar's BUILD_CACHE
    from .. import output  # lazy: imported once the bytecode is in place, as everything below
    from ..errors import S3StaticError  # lazy: as above

    try:
        if verb == "test-compile":
            from .ci import ci_compile  # lazy: kept off bin/compile's path (it loads publish)

            return ci_compile(*dirs)
        if verb == "build":
            from .cnb import cnb_build  # lazy: kept off bin/compile's path

            return cnb_build(*dirs, os.environ.get("CNB_EXEC_ENV", ""))
        from .compile import compile_app  # lazy: after the bytecode (above)

        return compile_app(*dirs, None if restored else PACKAGE_DIR)
    except S3StaticError as exc:
        if not exc.reported:
            output.error(exc.title, exc.details)
        return exc.exit_code or 1
    except Exception:
        output.unexpected()
        return 1


def _restore_bytecode(build_cache: str) -> bool:
    """The helper's bytecode kept for these sources, put in place; whether there was any."""
    try:
        return bytecode.restore(PACKAGE_DIR, build_cache, checked=True)
    except OSError:  # an unreadable build cache or package: the helper runs from its sources
        return False


if __name__ == "__main__":
    code = main()
    # Every line is out and nothing is left to run: skip the interpreter's teardown of the
    # modules, a noticeable part of a build that changes nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
