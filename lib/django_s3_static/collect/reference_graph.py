"""Which files a change reaches, and whether Django's post-processing is sure to settle (pure).

Django's ``ManifestStaticFilesStorage`` names a file after its content once its references are
rewritten to the hashed names of their targets; a stylesheet therefore changes name when an image
it refers to changes, and so does every stylesheet that refers to that one. The reference graph
(file -> the names its references resolved to, recorded at publish time) read backwards from the
changed names gives every file whose output can differ; every other file keeps its recorded name.

Post-processing runs in passes (``max_post_process_passes``): a first pass hashes every file, and
each further pass rewrites the references again until no name changes. A file whose references
lead to no file with references of its own is final after the first pass; one more level of
nesting needs one more pass. So a graph without cycles whose longest chain of such files is
shorter than the number of passes always settles, to the one set of names that agrees with
itself, whatever order the files come in: that is what makes processing a part of the tree with
the other names given equal to processing all of it. A cycle, or a chain longer than that, is left
to the full collect, which fails or succeeds exactly as Django does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping


def reached(changed: Iterable[str], references: Mapping[str, Collection[str]]) -> set[str]:
    """The changed names and every file whose references lead to one of them, transitively."""
    referrers: dict[str, list[str]] = {}
    for name, targets in references.items():
        for target in targets:
            referrers.setdefault(target, []).append(name)
    found = set(changed)
    pending = list(found)
    while pending:
        for referrer in referrers.get(pending.pop(), ()):
            if referrer not in found:
                found.add(referrer)
                pending.append(referrer)
    return found


def settling_problem(references: Mapping[str, Collection[str]], passes: int) -> str | None:
    """Why post-processing with ``passes`` passes might not settle this graph, or None.

    Only files with references of their own count as links (a file without any is written as it
    is, and its name is final from the start).
    """
    depth: dict[str, int] = {}
    on_path: dict[str, int] = {}
    for start in sorted(references):
        if start in depth:
            continue
        path = [start]
        on_path[start] = 0
        stack = [iter(_links(references, start))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                stack.pop()
                done = path.pop()
                del on_path[done]
                depth[done] = 1 + max((depth[t] for t in _links(references, done)), default=-1)
                continue
            if target in on_path:
                cycle = path[on_path[target] :] + [target]
                return f"{_chain(cycle)} refer to each other, which Django cannot hash to an end"
            if target not in depth:
                on_path[target] = len(path)
                path.append(target)
                stack.append(iter(_links(references, target)))
    deepest = max(depth.values(), default=0)
    if deepest < passes:
        return None
    chain = [max(depth, key=lambda name: (depth[name], name))]
    while depth[chain[-1]]:
        chain.append(max(_links(references, chain[-1]), key=lambda t: (depth[t], t)))
    return (
        f"references nest {deepest + 1} files deep ({_chain(chain)}), more than Django's "
        f"{passes} post-processing passes are sure to settle"
    )


def _links(references: Mapping[str, Collection[str]], name: str) -> list[str]:
    return sorted(target for target in references.get(name, ()) if target in references)


def _chain(names: list[str], limit: int = 4) -> str:
    shown = names if len(names) <= limit else [*names[: limit - 1], "...", names[-1]]
    return " -> ".join(shown)
