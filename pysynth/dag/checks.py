"""Whole-graph checks of a pipeline spec: inputs exist, no cycles, every needed column is produced."""

from __future__ import annotations

import heapq
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from pysynth.errors import PysynthError
from pysynth.spec import FieldPath, LoadedSpec, PipelineSpec, SourceMap, did_you_mean
from pysynth.steps import column_passthrough

if TYPE_CHECKING:
    from pysynth.dag.compile import StepNode


def resolve_parents(
    spec: PipelineSpec, source: SourceMap, sources: Collection[str] = ()
) -> dict[str, tuple[str, ...]]:
    """Each step's inputs; an omitted `inputs` means the step listed just before (none for the first
    step, nor for `sources`, the steps that make rows rather than read them)."""
    positions: dict[str, int] = {}
    for index, step in enumerate(spec.steps):
        if step.name in positions:
            first = positions[step.name]
            line = source.values.get(("steps", first, "name")) or source.values.get(("steps", first))
            on_line = f" (line {line.line})" if line is not None else ""
            raise source.error(("steps", index, "name"), f"step name '{step.name}' is already used by "
                               f"steps[{first}]{on_line}")
        positions[step.name] = index
    parents: dict[str, tuple[str, ...]] = {}
    for index, step in enumerate(spec.steps):
        if step.inputs is None:
            implicit = index > 0 and step.name not in sources
            parents[step.name] = (spec.steps[index - 1].name,) if implicit else ()
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
        raise source.error(("steps", index_of[cycle[0]], "inputs"), "inputs form a cycle: " + " -> ".join(cycle))
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
                    raise loaded.source.error(_naming(node, where, column), f"step '{name}' needs column '{column}', "
                                              f"which no upstream step produces (available: {shown})"
                                              + did_you_mean(column, upstream))
        available[name] = produced | (upstream if column_passthrough(node.step) else set())


def _naming(node: StepNode, where: FieldPath, column: str) -> FieldPath:
    """The YAML value that makes a step need `column`: an input mapping, a parameter, else the step type."""
    for step_column, dataset_column in node.spec.input_mappings.items():
        if dataset_column == column:
            return (*where, "input_mappings", step_column)
    for key, value in node.spec.params.items():
        if _mentions(value, column):
            return (*where, "params", key)
    return (*where, "type")


def _mentions(value: Any, column: str) -> bool:
    if isinstance(value, str):
        return value == column or "{" + column in value  # a name, or a template placeholder
    if isinstance(value, list | tuple):
        return column in value
    return False
