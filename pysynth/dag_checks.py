"""Whole-graph checks of a pipeline spec: inputs exist, no cycles, every needed column is produced."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from pysynth.errors import PysynthError
from pysynth.spec import LoadedSpec, PipelineSpec, SourceMap, did_you_mean
from pysynth.steps import column_passthrough

if TYPE_CHECKING:
    from pysynth.dag import StepNode


def resolve_parents(spec: PipelineSpec, source: SourceMap) -> dict[str, tuple[str, ...]]:
    """Each step's inputs; an omitted `inputs` means the step listed just before (none for the first)."""
    positions: dict[str, int] = {}
    for index, step in enumerate(spec.steps):
        if step.name in positions:
            raise source.error(("steps", index, "name"), f"duplicate step name '{step.name}' "
                               f"(first used by steps[{positions[step.name]}])")
        positions[step.name] = index
    parents: dict[str, tuple[str, ...]] = {}
    for index, step in enumerate(spec.steps):
        if step.inputs is None:
            parents[step.name] = (spec.steps[index - 1].name,) if index > 0 else ()
            continue
        for position, name in enumerate(step.inputs):
            if name not in positions:
                raise source.error(("steps", index, "inputs", position), f"no step named '{name}'"
                                   + did_you_mean(name, positions))
            if step.inputs.count(name) > 1:
                raise source.error(("steps", index, "inputs", position), f"'{name}' is listed twice")
        parents[step.name] = tuple(step.inputs)
    return parents


def order_steps(spec: PipelineSpec, parents: dict[str, tuple[str, ...]], source: SourceMap) -> list[int]:
    """A topological order that keeps the file's order where the graph allows (Kahn with a min-heap)."""
    index_of = {step.name: index for index, step in enumerate(spec.steps)}
    waiting = {name: len(set(ps)) for name, ps in parents.items()}
    children: dict[str, list[str]] = {name: [] for name in parents}
    for name, ps in parents.items():
        for parent in set(ps):
            children[parent].append(name)
    ready = [index_of[name] for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for child in children[spec.steps[index].name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, index_of[child])
    if len(order) < len(spec.steps):
        stuck = min(index for name, index in index_of.items() if waiting[name] > 0)
        cycle = _find_cycle(spec.steps[stuck].name, parents)
        raise source.error(("steps", index_of[cycle[0]], "inputs"), "cycle: " + " -> ".join(cycle))
    return order


def _find_cycle(start: str, parents: dict[str, tuple[str, ...]]) -> list[str]:
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(parent for parent in parents[node] if _reaches(parent, node, parents))
    cycle = path[seen[node]:] + [node]
    return list(reversed(cycle))


def _reaches(start: str, target: str, parents: dict[str, tuple[str, ...]]) -> bool:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(parents[node])
    return False


def check_columns(loaded: LoadedSpec, nodes: dict[str, StepNode]) -> None:
    """Every required input column of every step is produced by some upstream step."""
    available: dict[str, set[str]] = {}
    index_of = {step.name: index for index, step in enumerate(loaded.spec.steps)}
    for name, node in nodes.items():
        where = ("steps", index_of[name])
        upstream: set[str] = set()
        for parent in node.parents:
            upstream |= available[parent]
        try:
            needed = node.step.get_inputs()
            produced = set(node.step.get_outputs())
        except PysynthError as exc:
            raise loaded.source.error((*where, "params"), str(exc)) from None
        if node.parents:
            for column, required in needed.items():
                if required and column not in upstream:
                    shown = ", ".join(sorted(upstream)) or "none"
                    where_column = (*where, "input_mappings") if node.spec.input_mappings else (*where, "type")
                    raise loaded.source.error(where_column, f"step '{name}' needs column '{column}', which no upstream "
                                              f"step produces (available: {shown})" + did_you_mean(column, upstream))
        available[name] = produced | (upstream if column_passthrough(node.step) else set())
