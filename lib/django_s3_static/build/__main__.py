"""The shell scripts' helper: ``python -m django_s3_static.build [test-compile] BUILD_DIR CACHE_DIR
ENV_DIR`` (``bin/compile``; with ``test-compile``, ``bin/test-compile``)."""

from __future__ import annotations

import os
import sys

from ..errors import BuildError
from . import output
from .compile import compile_app


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ci = bool(args) and args[0] == "test-compile"
    if ci:
        args = args[1:]
    if len(args) != 3:
        print("usage: python -m django_s3_static.build [test-compile] BUILD_DIR CACHE_DIR ENV_DIR")
        return 2
    try:
        if ci:
            from .ci import ci_compile  # lazy: kept off bin/compile's path (it loads publish)

            return ci_compile(*(os.path.abspath(a) for a in args))
        return compile_app(*(os.path.abspath(a) for a in args))
    except BuildError as exc:
        if not exc.reported:
            output.error(exc.title, exc.details)
        return exc.exit_code or 1
    except Exception:
        output.unexpected()
        return 1


if __name__ == "__main__":
    code = main()
    # The work is done and every line is out: skip the interpreter's teardown of the modules,
    # a noticeable part of a build that changes nothing. Nothing is left to run: the app's
    # process has exited, temporary folders are removed, the threads have finished.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
