"""A multi-line secret never reaches the build log: a PEM key the app's settings quote when they
fail to load.

The settings run in the app's own process, whose output the build relays to its log a line at
a time: a traceback quoting a PEM key prints it over as many lines, and an error message that
quotes it with ``repr`` or JSON prints it on one line, escaped. Two keys: one in a config var
whose name says it is secret (``JWT_PRIVATE_KEY``), one whose name does not
(``SAML_SIGNING_PEM``), known by its value.
"""

from __future__ import annotations

import base64
import os

from conftest import deploy_config


def pem() -> str:
    """A PEM block of random bytes: unique to the test, as recognisable as a real key."""
    body = base64.b64encode(os.urandom(600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----"


def key_lines(key: str) -> list[str]:
    """The secret part of a key: each line of its body."""
    return [line for line in key.splitlines() if "-----" not in line]


#: Appended to the app's settings: print the key as JSON, then fail quoting it three ways.
QUOTING_SETTINGS = """
import json as _json
_jwt = os.environ["JWT_PRIVATE_KEY"]
_saml = os.environ["SAML_SIGNING_PEM"]
print("loading keys:", _json.dumps({"jwt": _jwt, "saml": _saml}))
raise ValueError(f"JWT_PRIVATE_KEY is not a valid key:\\n{_jwt}\\nas read: {_jwt!r}\\n{_saml}")
"""


def test_a_pem_key_quoted_by_failing_settings_is_redacted(make_slug, s3server, bucket):
    slug = make_slug()
    jwt, saml = pem(), pem()
    slug.set_config(**deploy_config(s3server, bucket, JWT_PRIVATE_KEY=jwt, SAML_SIGNING_PEM=saml))
    with open(os.path.join(slug.build_dir, "exampleapp", "settings.py"), "a") as handle:
        handle.write(QUOTING_SETTINGS)
    result = slug.compile()
    assert result.returncode == 1, result.output
    assert "failed to load: ValueError: JWT_PRIVATE_KEY is not a valid key:" in result.stdout
    assert "loading keys:" in result.stdout  # the app's own output is relayed
    assert result.stderr == ""
    printed = [line for line in key_lines(jwt) + key_lines(saml) if line in result.stdout]
    assert printed == []
    # Each key was in the log four times at least (JSON, traceback, repr, the error's title).
    assert result.stdout.count("[redacted]") >= 4 * 2
    assert not os.path.exists(os.path.join(slug.build_dir, ".profile.d"))
