"""What an app's storage class asks of Django's hashing, read from its source (pure).

Importing it before Django starts would bring its module's imports, often boto3. Bases must resolve
to the module's own classes or known storages and attributes be literals; else None, and the class
is imported. Unit tests check both ways agree.
"""

from __future__ import annotations

import ast
from typing import Any

#: Storages whose hashing is Django's, with Django's values of the carried attributes.
HASHING_BASES = frozenset(
    {
        "django.contrib.staticfiles.storage.HashedFilesMixin",
        "django.contrib.staticfiles.storage.ManifestFilesMixin",
        "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        "storages.backends.s3.S3ManifestStaticStorage",
        "storages.backends.s3boto3.S3ManifestStaticStorage",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "pipeline.storage.PipelineManifestStorage",
    }
)
#: Storages that do no hashing: a class built on these alone asks nothing of it.
PLAIN_BASES = frozenset(
    {
        "django.core.files.storage.FileSystemStorage",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
        "storages.backends.s3.S3Storage",
        "storages.backends.s3.S3StaticStorage",
        "storages.backends.s3boto3.S3Boto3Storage",
        "storages.backends.s3boto3.S3StaticStorage",
        "whitenoise.storage.CompressedStaticFilesStorage",
        "pipeline.storage.PipelineStorage",
    }
)


class Unreadable(Exception):
    """The class cannot be told from its source: import it."""


def read(
    class_name: str, source: str, defaults: dict[str, Any], methods: tuple[str, ...]
) -> tuple[dict[str, Any], list[str]] | None:
    """``(options, overrides)`` as ``app_hashing.hashing_of`` gives them; None if unreadable."""
    try:
        tree = ast.parse(source)
        classes = _classes(tree)
        _refuse_later_changes(tree, classes)
        chain = _chain(class_name, classes, _imports(tree))
        if chain is None:
            return {}, []
        options: dict[str, Any] = {}
        for name, default in defaults.items():
            found = next((value for value in (_assigned(c, name) for c in chain) if value), None)
            if found is not None and found[0] != default:
                options[name] = found[0]
    except (SyntaxError, ValueError, TypeError, Unreadable):
        return None
    overrides = []
    for name in methods:
        owner = next((c for c in chain if _defines(c, name)), None)
        if owner is not None:
            overrides.append(f"{owner.name}.{name}")
    return options, overrides


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _plain(statement: ast.stmt) -> bool:
    """What a class body may hold for its attributes to be read: assignments, methods, docstring."""
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    return isinstance(
        statement, (ast.Assign, ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef, ast.Pass)
    )


def _refuse_later_changes(tree: ast.Module, classes: dict[str, ast.ClassDef]) -> None:
    """A module that sets an attribute of one of its classes after the class statement."""
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id in classes
            ):
                raise Unreadable(target.value.id)


def _imports(tree: ast.Module) -> dict[str, str]:
    """Top-level names bound by imports, to the dotted names they stand for."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, imports: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return imports.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value, imports)
        return f"{head}.{node.attr}" if head else None
    return None


def _chain(
    name: str, classes: dict[str, ast.ClassDef], imports: dict[str, str]
) -> list[ast.ClassDef] | None:
    """The module's classes from ``name`` to a known hashing storage; None if none hashes.

    Each may have one base of this module, listed first, so it is looked up before every known base
    whatever the linearization.
    """
    chain: list[ast.ClassDef] = []
    hashing = False
    while name:
        node = classes.get(name)
        if node is None or node in chain or node.decorator_list or node.keywords:
            raise Unreadable(name)
        if not all(_plain(statement) for statement in node.body):
            raise Unreadable(name)  # an attribute set under an if, in a loop, by a call ...
        chain.append(node)
        name = ""
        for position, base in enumerate(node.bases):
            if isinstance(base, ast.Name) and base.id in classes and base.id not in imports:
                if position:
                    raise Unreadable(base.id)
                name = base.id
                continue
            dotted = _dotted(base, imports)
            if dotted in HASHING_BASES:
                hashing = True
            elif dotted not in PLAIN_BASES:
                raise Unreadable(dotted or ast.dump(base))
    return chain if hashing else None


def _assigned(node: ast.ClassDef, name: str) -> tuple[Any] | None:
    """``(value,)`` when the class body sets ``name`` to a literal; raises for anything else."""
    found = None
    for statement in node.body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found = (ast.literal_eval(value),)  # ValueError for a computed value
        elif any(not isinstance(t, ast.Name) for t in targets):
            raise Unreadable(node.name)  # unpacking or attributes: cannot tell what is set
    return found


def _defines(node: ast.ClassDef, name: str) -> bool:
    return any(
        isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name
        for statement in node.body
    )
