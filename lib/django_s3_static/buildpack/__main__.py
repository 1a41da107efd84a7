"""``python -m django_s3_static.buildpack VERB DIR DIR DIR``: the buildpack's helper.

``compile`` and ``test-compile`` (Cedar: BUILD_DIR BUILD_CACHE ENV_DIR), ``build`` (a Cloud Native
Buildpack build: APP_DIR LAYERS_DIR PLATFORM_DIR, the execution environment in ``CNB_EXEC_ENV``).
"""

from __future__ import annotations

import os
import sys

from .. import output
from ..errors import S3StaticError
from .compile import compile_app

VERBS = ("compile", "test-compile", "build")
USAGE = (
    "usage: python -m django_s3_static.buildpack {compile|test-compile} BUILD_DIR BUILD_CACHE "
    "ENV_DIR\n       python -m django_s3_static.buildpack build APP_DIR LAYERS_DIR PLATFORM_DIR"
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] not in VERBS:
        print(USAGE)
        return 2
    verb, *dirs = args
    dirs = [os.path.abspath(a) for a in dirs]
    try:
        if verb == "test-compile":
            from .ci import ci_compile  # lazy: kept off bin/compile's path (it loads publish)

            return ci_compile(*dirs)
        if verb == "build":
            from .cnb import cnb_build  # lazy: kept off bin/compile's path

            return cnb_build(*dirs, os.environ.get("CNB_EXEC_ENV", ""))
        return compile_app(*dirs)
    except S3StaticError as exc:
        if not exc.reported:
            output.error(exc.title, exc.details)
        return exc.exit_code or 1
    except Exception:
        output.unexpected()
        return 1


if __name__ == "__main__":
    code = main()
    # Every line is out and nothing is left to run: skip the interpreter's teardown of the
    # modules, a noticeable part of a build that changes nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
