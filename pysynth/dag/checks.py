"""Whole-graph checks of a pipeline spec: inputs exist, no cycles, every needed column is produced.

Also what only a built step can tell: its `input_mappings` and `output_mappings` name its own
columns, no two outputs land in one column, and an LLM step asks for at least one generation.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from pysynth.errors import PysynthError
from pysynth.spec import FieldPath, LoadedSpec, PipelineSpec, SourceMap, did_you_mean
from pysynth.steps import column_passthrough
from pysynth.steps.adapter import AnyTask

if TYPE_CHECKING:
    from pysynth.dag.compile import StepNode

Columns = tuple[list[str], list[str]]  # a step's own input and output columns


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
    """Every step's mappings and counts make sense, and every required input column of every step is
    produced by some upstream step."""
    available: dict[str, set[str]] = {}
    index_of = {step.name: index for index, step in enumerate(loaded.spec.steps)}
    for name, node in nodes.items():
        where = ("steps", index_of[name])
        upstream: set[str] = set()
        for parent in node.parents:
            upstream |= available[parent]
        needed, produced, own_columns = _columns(loaded.source, node, where)
        _check_mappings(loaded.source, node, where, *own_columns)
        _check_generations(loaded.source, node, where)
        if node.parents:
            for column, required in needed.items():
                if required and column not in upstream:
                    shown = ", ".join(sorted(upstream)) or "none"
                    raise loaded.source.error(_naming(node, where, column), f"step '{name}' needs column '{column}', "
                                              f"which no upstream step produces (available: {shown})"
                                              + did_you_mean(column, upstream))
        available[name] = produced | (upstream if column_passthrough(node.step) else set())


def _columns(source: SourceMap, node: StepNode, where: FieldPath) -> tuple[dict[str, bool], set[str], Columns]:
    """The columns a step needs and produces (mappings applied), and its own inputs and outputs.

    A step whose rows would have no columns at all is an error: an empty list or mapping given by mistake.
    """
    name = node.spec.name
    try:
        needed = node.step.get_inputs()
        produced = set(node.step.get_outputs())
        own = list(node.step.inputs), list(node.step.outputs)  # before the mappings
    except PysynthError as exc:
        raise source.error((*where, "params"), str(exc)) from None
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:  # a foreign step's columns
        empty = _empty_param(node, where)
        if empty is not None:
            raise source.error(empty, f"must not be empty: step '{name}' takes its columns from it") from None
        raise source.error((*where, "params"), f"step '{name}' cannot tell its columns from these parameters "
                           f"({type(exc).__name__}: {exc})") from None
    if not produced and (node.step.is_generator or not column_passthrough(node.step)):
        empty = _empty_param(node, where)
        raise source.error(empty or (*where, "params"), ("must not be empty: " if empty else "")
                           + f"step '{name}' would make rows without columns")
    return needed, produced, own


def _check_mappings(
    source: SourceMap, node: StepNode, where: FieldPath, inputs: list[str], outputs: list[str]
) -> None:
    """Mappings rename the step's own columns, and no two of its outputs end up in one column."""
    name = node.spec.name
    for kind, mappings, columns in (("input", node.spec.input_mappings, inputs),
                                    ("output", node.spec.output_mappings, outputs)):
        for column in mappings:
            if column not in columns:
                shown = ", ".join(columns) or "none"
                raise source.error((*where, f"{kind}_mappings", column), f"step '{name}' has no {kind} column "
                                   f"'{column}' (its {kind}s: {shown})" + did_you_mean(column, columns), at_key=True)
    landed: dict[str, str] = {}  # dataset column -> the output that lands there
    mapped = node.spec.output_mappings
    # Unmapped outputs first, then the mappings in file order: a clash is blamed on the later mapping.
    for output in [column for column in outputs if column not in mapped] + list(mapped):
        target = mapped.get(output, output)
        if target in landed:
            other = landed[target]
            clash = (f"where output '{other}' goes too" if other in mapped else
                     f"a column the step already outputs (map '{other}' elsewhere too, or pick another name)")
            raise source.error((*where, "output_mappings", output), f"maps output '{output}' onto '{target}', "
                               f"{clash}: two outputs cannot share a column")
        landed[target] = output


def _empty_param(node: StepNode, where: FieldPath) -> FieldPath | None:
    for key, value in node.spec.params.items():
        if isinstance(value, list | dict) and not value:
            return (*where, "params", key)
    return None


def _check_generations(source: SourceMap, node: StepNode, where: FieldPath) -> None:
    """distilabel types `num_generations` as an optional int without bounds; 0 would drop every row."""
    if not isinstance(node.step, AnyTask):
        return
    count = node.step.num_generations
    if not isinstance(count, int) or count < 1:
        path = (*where, "params", "num_generations") if "num_generations" in node.spec.params else (*where, "type")
        shown = "no value" if count is None else repr(count)
        raise source.error(path, f"must be at least 1, the answers to ask for per row (got {shown})")


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
