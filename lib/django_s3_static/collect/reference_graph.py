"""Which files a change reaches, and whether Django's post-processing is sure to settle (pure).

Each pass rewrites references until no name changes, one more per level of nesting. So a graph
without cycles whose longest chain is shorter than ``max_post_process_passes`` settles to one set
of names in any order, which is what makes processing part of the tree equal to processing all of
it.
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
    """Why ``passes`` passes might not settle this graph, or None."""
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
