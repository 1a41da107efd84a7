"""The printed ``aws s3api put-bucket-cors`` command, as a shell reads it when it is pasted.

The command carries the bucket's existing rules, which whoever could write the bucket's CORS
configuration chose. Each case runs the printed command in bash with ``aws`` replaced by a
function that writes its arguments, one per line: a rule that escapes its quotes would run its
own command (here, create a file) or split the JSON into several arguments.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from django_s3_static.publish import cors

SITE = "https://www.example.com"
#: ``aws`` prints its arguments NUL-separated (arguments may hold newlines), nothing else.
FAKE_AWS = 'aws() { printf "%s\\0" "$@"; }\n'


def pasted(command: str, folder) -> list[str]:
    """The arguments ``aws`` gets when ``command`` is pasted into bash in ``folder``."""
    done = subprocess.run(
        ["bash", "-c", FAKE_AWS + command],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.split("\0")[:-1]


HOSTILE_IDS = [
    "x'; touch pwned; echo '",
    "x' $(touch pwned) '",
    "x'`touch pwned`'",
    "a'\"'\"'b; touch pwned",
    "it's \\'; touch pwned #",
    "x\n touch pwned",
    "x\u2028'; touch pwned; '",
]


@pytest.mark.parametrize("rule_id", HOSTILE_IDS)
def test_a_hostile_rule_id_stays_inside_its_argument(rule_id, tmp_path):
    theirs = {"ID": rule_id, "AllowedOrigins": [SITE], "AllowedMethods": ["GET"]}
    command = cors.put_command("my-app-static", [SITE], [theirs])
    assert len(command.splitlines()) == 1  # one line of the build log
    arguments = pasted(command, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing ran
    assert arguments[:5] == [
        "s3api",
        "put-bucket-cors",
        "--bucket",
        "my-app-static",
        "--cors-configuration",
    ]
    assert len(arguments) == 6
    assert json.loads(arguments[5]) == {"CORSRules": [theirs, cors.rule_for([SITE])]}
    assert arguments[5] == cors.rule_json([SITE], [theirs])


def test_an_ordinary_configuration_reads_as_before(tmp_path):
    command = cors.put_command("my-app-static", ["*"], None)
    assert command == (
        "aws s3api put-bucket-cors --bucket my-app-static --cors-configuration "
        f"'{cors.rule_json(['*'])}'"
    )
    assert pasted(command, tmp_path)[5] == cors.rule_json(["*"])
