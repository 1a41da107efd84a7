"""Whether the Procfile's release phase runs ``promote_static`` (pure but for reading two files).

The ``release`` process runs before every release, and a failing one stops it
(https://devcenter.heroku.com/articles/release-phase). The Procfile is parsed, not searched
(https://devcenter.heroku.com/articles/procfile#procfile-format): only a release command that
runs ``promote_static`` itself counts, never the word in a comment or an ``echo``.
"""

from __future__ import annotations

import os
import re
import shlex

PROCFILE = "Procfile"
MAX_SCRIPT_BYTES = 256 * 1024
COMMAND = "promote_static"
#: ``<process type>: <command>``; Heroku's parser allows spaces before the type.
_PROCESS_LINE = re.compile(r"^[ \t]*([A-Za-z0-9_-]+):[ \t]*(.*?)\s*$")
#: Words that run Django's command line: the next word is the subcommand.
_DJANGO_ENTRY = ("manage.py", "django-admin", "django-admin.py")
#: Words that run the rest of the command as a command of its own.
_WRAPPERS = frozenset({"exec", "env", "time", "nice", "nohup", "command", "builtin"})
_SHELLS = frozenset({"sh", "bash", "dash", "zsh"})
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "|&"})
#: A Python release script's ``call_command("promote_static", ...)``.
_CALL_COMMAND = re.compile(r"""^[^#]*\bcall_command\(\s*["']promote_static["']""", re.MULTILINE)


def processes(build_dir: str) -> dict[str, str]:
    """The Procfile's process types and their commands (a type's last line wins); empty when
    there is no Procfile."""
    try:
        with open(os.path.join(build_dir, PROCFILE), encoding="utf-8", errors="replace") as handle:
            lines = handle.read(MAX_SCRIPT_BYTES).splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        match = _PROCESS_LINE.match(line)
        if match and match.group(2):
            found[match.group(1)] = match.group(2)
    return found


def release_command(build_dir: str) -> str | None:
    """The Procfile's ``release`` command (its last ``release`` line), or None."""
    return processes(build_dir).get("release")


def runs_program(command: str, program: str) -> bool:
    """Whether one of the command's simple commands runs ``program`` (by name or path), after
    any ``NAME=value`` assignments and ``exec``/``env`` wrappers."""
    for words in simple_commands(command):
        words = _unwrapped(words)
        if words and os.path.basename(words[0]) == program:
            return True
    return False


def release_promotes(build_dir: str) -> bool:
    """Whether the release phase runs ``promote_static``, in the command or in a script it runs."""
    command = release_command(build_dir)
    if not command:
        return False
    commands = simple_commands(command)
    if any(runs_promote(words) for words in commands):
        return True
    root = os.path.realpath(build_dir)
    for word in (word for words in commands for word in words):
        path = os.path.realpath(os.path.join(build_dir, word))
        if path.startswith(root + os.sep) and os.path.isfile(path) and script_promotes(path):
            return True
    return False


def script_promotes(path: str) -> bool:
    """Whether a script of the app runs ``promote_static``: a shell script's command lines, or a
    Python script's ``call_command("promote_static")``."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_SCRIPT_BYTES)
    except OSError:
        return False
    if path.endswith(".py") or (text.startswith("#!") and "python" in text.split("\n", 1)[0]):
        return bool(_CALL_COMMAND.search(text))
    return any(runs_promote(words) for words in simple_commands(_logical_lines(text)))


def _logical_lines(text: str) -> str:
    """A script's lines with backslash continuations joined."""
    return re.sub(r"\\\r?\n", " ", text)


def simple_commands(text: str) -> list[list[str]]:
    """The simple commands of a shell text, as word lists: comments dropped, split at ``;``,
    ``&&``, ``||``, ``|``, ``&`` and new lines. A line the shell could not read is skipped."""
    commands: list[list[str]] = []
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        in_line: list[list[str]] = [[]]
        try:
            for token in lexer:
                if token in _OPERATORS:
                    in_line.append([])
                else:
                    in_line[-1].append(token)
        except ValueError:  # an unclosed quote: the shell runs nothing of this line
            continue
        commands += [words for words in in_line if words]
    return commands


def runs_promote(words: list[str]) -> bool:
    """Whether one simple command runs Django's ``promote_static``."""
    words = _unwrapped(words)
    if len(words) >= 3 and os.path.basename(words[0]) in _SHELLS and words[1] == "-c":
        return any(runs_promote(inner) for inner in simple_commands(words[2]))
    for index, word in enumerate(words[:-1]):
        if os.path.basename(word) in _DJANGO_ENTRY:
            return words[index + 1] == COMMAND
        if word == "-m" and words[index + 1] == "django":
            return words[index + 2 : index + 3] == [COMMAND]
    return False


def _unwrapped(words: list[str]) -> list[str]:
    """The command itself: without leading ``NAME=value`` assignments and ``exec``/``env``."""
    start = 0
    while start < len(words) and (
        words[start] in _WRAPPERS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[start])
    ):
        start += 1
    return words[start:]
