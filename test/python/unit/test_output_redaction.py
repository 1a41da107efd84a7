"""Redaction of multi-line secrets and of their escaped forms (no process, no server).

A PEM key in a config var reaches the build log a line at a time (a traceback, relayed line by
line from the app's process) or on one line in an escaped form (Python's ``repr`` in an
exception message, JSON in a log record). None of its lines may be printed.
"""

from __future__ import annotations

import base64
import json
import os

import pytest

from django_s3_static import output
from django_s3_static.publish.environment import secret_values


def pem() -> str:
    body = base64.b64encode(os.urandom(300)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


def secret_lines(value: str) -> list[str]:
    """What must never be printed: every line of the key's body (the last, short one too when
    it is 8 characters or more)."""
    return [line for line in value.splitlines() if len(line) >= 8 and "-----" not in line]


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch):
    monkeypatch.setattr(output, "_secrets", [])


def printed_by(capsys, *writes) -> str:
    for write in writes:
        write()
    return capsys.readouterr().out


def test_a_multi_line_secret_relayed_line_by_line(capsys):
    key = pem()
    output.register_secret(key)
    traceback = f"Traceback (most recent call last):\nValueError: bad key {key}\nmore"
    printed = printed_by(capsys, *[lambda line=line: output.relay(line + "\n")
                                   for line in traceback.splitlines()])  # fmt: skip
    assert [line for line in secret_lines(key) if line in printed] == []
    assert "-----BEGIN PRIVATE KEY-----" in printed  # the block's frame is no secret
    assert printed.count("[redacted]") == len(secret_lines(key))


@pytest.mark.parametrize(
    "encode",
    [
        repr,
        json.dumps,
        lambda key: json.dumps({"key": key}).replace("/", "\\/"),  # as JavaScript writes it
        lambda key: repr({"key": key}),
        lambda key: str([key]),
        lambda key: repr(key.replace("\n", "\r\n")),
    ],
    ids=["repr", "json", "json-slashes", "dict-repr", "list-str", "crlf-repr"],
)
def test_escaped_forms_of_a_multi_line_secret(capsys, encode):
    key = pem()
    output.register_secret(key)
    output.register_secret(key.replace("\n", "\r\n"))  # the same key as another var holds it
    printed = printed_by(capsys, lambda: output.info(f"settings: {encode(key)}"))
    assert [line for line in secret_lines(key) if line in printed] == []
    assert "[redacted]" in printed


@pytest.mark.parametrize(
    "secret",
    [
        'it\'s "quoted" \\ and/slashed',
        "tab\there",
        "caf\u00e9-cr\u00e8me-br\u00fbl\u00e9e",
        "a\x00b\x7fc",
    ],
)
def test_escaped_forms_of_a_one_line_secret(capsys, secret):
    output.register_secret(secret)
    forms = [
        repr(secret),
        json.dumps(secret),
        json.dumps(secret, ensure_ascii=False),
        json.dumps(secret).replace("/", "\\/"),
        secret.encode("unicode_escape").decode(),
    ]
    printed = printed_by(capsys, *[lambda form=form: output.raw(f"value={form}") for form in forms])
    assert printed.count("[redacted]") == len(forms)
    for form in forms:
        assert form[1:-1] not in printed if form[0] in "'\"" else form not in printed


def test_ordinary_short_lines_of_a_multi_line_secret_are_not_hunted(capsys):
    """A line under 8 characters (``}``, ``true``) would hide ordinary words all over the log."""
    output.register_secret('{\n  "private_key_id": "0123456789abcdef",\n  "ok": true\n}')
    printed = printed_by(capsys, lambda: output.info("Debug: true } ok"))
    assert printed == f"{output.INDENT}Debug: true }} ok\n"
    printed = printed_by(capsys, lambda: output.info('x "private_key_id": "0123456789abcdef", y'))
    assert "0123456789abcdef" not in printed


def test_a_private_key_is_a_secret_whatever_its_config_var_is_called():
    key = pem()
    assert key in secret_values({"SAML_SIGNING_PEM": key, "PLAIN": "not secret"})
    assert secret_values({"PLAIN": "not secret"}) == []
