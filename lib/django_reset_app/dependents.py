"""Migrations of other apps that name a reset app's migrations, and how they are rewritten.

Those names disappear with the old files, so each must point at the fresh initial migration;
unapplying them instead would lose the other apps' data.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence

from django_reset_app.plan import Dependent, MigrationInfo, NodeKey

#: Dependency names that Django resolves at load time; they survive a reset unchanged.
SPECIAL_NAMES = frozenset({"__first__", "__latest__"})

#: (line, column, end line, end column, replacement text) of one edit in a source file.
Edit = tuple[int, int, int, int, str]


def find_dependents(
    migrations: Iterable[MigrationInfo], reset_apps: Iterable[str]
) -> list[Dependent]:
    """Migrations of other apps whose dependencies or run_before name a reset app's migration.

    The reset apps' own are left out: makemigrations writes their links again.
    """
    apps = set(reset_apps)
    dependents: list[Dependent] = []
    for migration in migrations:
        if migration.app_label in apps:
            continue
        references = tuple(
            key
            for key in (*migration.dependencies, *migration.run_before)
            if key[0] in apps and key[1] not in SPECIAL_NAMES
        )
        if references:
            dependents.append(Dependent(migration, tuple(dict.fromkeys(references))))
    return sorted(dependents, key=lambda dependent: dependent.migration.key)


def choose_new_target(new_names: Sequence[str]) -> str:
    """The fresh migration that dependents should name: the first.

    With circular foreign keys across apps, makemigrations creates the models in the first
    migration and adds the circular fields later: depending on the first avoids a cycle.
    """
    if not new_names:
        raise ValueError("makemigrations wrote no migration")
    return sorted(new_names)[0]


def check_dependent_source(dependent: Dependent, source: str) -> Dependent:
    """Mark a dependent as not rewritable when its references are not plain literals.

    Found before anything changes, so the reset stops instead of leaving a file half fixed.
    """
    placeholder = {key: "__reset_app_probe__" for key in dependent.references}
    try:
        _, found = rewrite_dependencies(source, placeholder)
    except SyntaxError as error:
        return Dependent(dependent.migration, dependent.references, False, f"syntax error: {error}")
    missing = [key for key in dependent.references if key not in found]
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing)
        reason = f'{names} is not a literal ("app", "name") entry of dependencies/run_before'
        return Dependent(dependent.migration, dependent.references, False, reason)
    return dependent


def rewrite_dependencies(
    source: str, replacements: Mapping[NodeKey, str]
) -> tuple[str, set[NodeKey]]:
    """Rewrite the names in literal ``("app", "name")`` entries of dependencies and run_before.

    Only the name strings are touched, by position, so the rest of the file stays byte for byte.
    Returns the new source and the old keys replaced; a key not found means the file builds its
    dependencies in code.
    """
    edits: list[Edit] = []
    found: set[NodeKey] = set()
    for element in _dependency_elements(ast.parse(source)):
        key = _literal_key(element)
        if key is None or key not in replacements:
            continue
        found.add(key)
        edits.append(_name_edit(source, element.elts[1], replacements[key]))  # type: ignore[attr-defined]
    return _apply_edits(source, edits), found


def _name_edit(source: str, name_node: ast.expr, new_name: str) -> Edit:
    """Replace one name string, in the quotes the author used."""
    original = ast.get_source_segment(source, name_node) or "''"
    quote = '"' if original.lstrip("rRbBuU")[:1] == '"' else "'"
    return (
        name_node.lineno,
        name_node.col_offset,
        name_node.end_lineno or name_node.lineno,
        name_node.end_col_offset or name_node.col_offset,
        f"{quote}{new_name}{quote}",
    )


def _dependency_elements(tree: ast.Module) -> list[ast.expr]:
    """Entries of ``dependencies``/``run_before`` of ``class Migration``, nowhere else."""
    elements: list[ast.expr] = []
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == "Migration"):
            continue
        for statement in node.body:
            target, value = _assignment(statement)
            if target in ("dependencies", "run_before") and isinstance(
                value, (ast.List, ast.Tuple)
            ):
                elements.extend(value.elts)
    return elements


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """Both ``x = ...`` and ``x: list = ...`` declare the class attribute."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def _literal_key(element: ast.expr) -> NodeKey | None:
    """Only a pair of string literals can be edited in place without changing its meaning."""
    if isinstance(element, (ast.Tuple, ast.List)) and len(element.elts) == 2:
        first, second = element.elts
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and isinstance(second, ast.Constant)
            and isinstance(second.value, str)
        ):
            return (first.value, second.value)
    return None


def _apply_edits(source: str, edits: list[Edit]) -> str:
    """Splice replacements in; ast columns count UTF-8 bytes, so work on bytes."""
    data = source.encode("utf-8")
    line_starts = [0]
    for line in data.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        start = line_starts[line - 1] + col
        stop = line_starts[end_line - 1] + end_col
        data = data[:start] + text.encode("utf-8") + data[stop:]
    return data.decode("utf-8")
