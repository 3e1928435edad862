"""Strongly connected components, for the rule dependency graphs of stratification and the compiled matcher."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def components(nodes: Iterable[str], targets: Mapping[str, Sequence[str]]) -> list[tuple[list[str], bool]]:
    """The strongly connected components of a graph (Tarjan), each sorted and marked cyclic or not.

    A component comes after every component it points at: with edges from a
    node to what it needs, what is needed comes first. A component is cyclic
    when it has more than one node or a node that points at itself. The walk
    is iterative, so a chain of thousands of rules needs no deep recursion.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[list[str], bool]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(targets.get(root, ())))]
        while work:
            current, pending = work[-1]
            for target in pending:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(targets.get(target, ()))))
                    break
                if target in on_stack:
                    low[current] = min(low[current], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == current:
                            break
                    found.append((sorted(group), len(group) > 1 or current in targets.get(current, ())))
    return found
