"""heroku/procfile's CNB, faked: ``fake_procfile.py detect|build`` is what the buildpack folder
that ``fakes.fake_procfile()`` writes runs as its bin/detect and bin/build.

As heroku/buildpacks-procfile (read at bb54a142, buildpack 4.2.3) does: detect passes when the app
has a ``Procfile`` (src/main.rs); build parses it (src/procfile.rs, SPEC.md: ``key: value`` lines,
comments and blank lines skipped, a key of lowercase letters, digits and inner ``-``, up to 63;
a key with ``_``, capitals or leading spaces is corrected with a warning; a later duplicate wins
with a warning) and writes one ``launch.toml`` process per entry (src/launch.rs): ``command =
["bash", "-c"]``, ``args = ["<value>"]``, ``default`` for ``web``, or for the only process.
"""

from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from support.cnb.tomlw import dumps  # noqa: E402 - after the path

KEY = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


class ProcfileError(Exception):
    pass


def parse(text: str) -> tuple[dict[str, str], list[str]]:
    """(processes in file order, warnings)."""
    processes: dict[str, str] = {}
    warnings = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, rest = line.partition(":")
        value = rest.lstrip(" \t")
        if not colon or not value:
            raise ProcfileError(f"line {number}: expected 'key: command', got {line!r}")
        if not (KEY.fullmatch(key) and len(key) <= 63):
            fixed = key.replace("_", "-").lower().lstrip(" \t")
            if not (KEY.fullmatch(fixed) and len(fixed) <= 63):
                raise ProcfileError(f"line {number}: invalid process type {key!r}")
            warnings.append(
                f"Procfile key {key} has been corrected to {fixed}. Please update your Procfile."
            )
            key = fixed
        if key in processes:
            warnings.append(f"Duplicate key `{key}` found. The value `{value}` will be used.")
        processes[key] = value
    if not processes:
        warnings.append("Empty file, no processes defined")
    return processes, warnings


def launch_toml(processes: dict[str, str]) -> str:
    entries = [
        {
            "type": name,
            "command": ["bash", "-c"],
            "args": [command],
            "default": name == "web" or len(processes) == 1,
        }
        for name, command in processes.items()
    ]
    return dumps({"processes": entries})


def main(argv: list[str]) -> int:
    app = os.getcwd()
    if argv[0] == "detect":
        return 0 if os.path.exists(os.path.join(app, "Procfile")) else 100
    print("\n## Procfile Buildpack\n\n- Processes from `Procfile`", flush=True)
    try:
        with open(os.path.join(app, "Procfile"), encoding="utf-8") as handle:
            processes, warnings = parse(handle.read())
    except (OSError, UnicodeDecodeError, ProcfileError) as error:
        print(f"\n- ERROR: Cannot read the Procfile: {error}", file=sys.stderr, flush=True)
        return 1
    for message in warnings:
        print(f"  - WARNING: {message}")
    for name, command in processes.items():
        print(f"  - {name}: `{command}`")
    print("- Done", flush=True)
    with open(os.path.join(os.environ["CNB_LAYERS_DIR"], "launch.toml"), "w") as handle:
        handle.write(launch_toml(processes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
