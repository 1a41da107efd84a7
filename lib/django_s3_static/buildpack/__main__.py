"""``python -m django_s3_static.buildpack {compile|test-compile} BUILD_DIR BUILD_CACHE ENV_DIR``."""

from __future__ import annotations

import os
import sys

from . import bytecode

VERBS = ("compile", "test-compile")
#: The package this helper runs from: its bytecode is kept in the build cache (``bytecode``).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] not in VERBS:
        print(
            "usage: python -m django_s3_static.buildpack {compile|test-compile} BUILD_DIR "
            "BUILD_CACHE ENV_DIR"
        )
        return 2
    verb, *dirs = args
    build_dir, build_cache, env_dir = (os.path.abspath(a) for a in dirs)
    restored = _restore_bytecode(build_cache)
    from .. import output  # lazy: imported once the bytecode is in place, as everything below
    from ..errors import S3StaticError  # lazy: as above

    try:
        if verb == "test-compile":
            from .ci import ci_compile  # lazy: kept off bin/compile's path (it loads publish)

            return ci_compile(build_dir, build_cache, env_dir)
        from .compile import compile_app  # lazy: after the bytecode (above)

        return compile_app(build_dir, build_cache, env_dir, None if restored else PACKAGE_DIR)
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
