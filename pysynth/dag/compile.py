"""Spec -> a real distilabel `Pipeline`, validated as a whole before anything runs.

Checks, each reported as `file:line:col: field: message`: unknown or duplicate step names,
unknown step types, bad step parameters (the step class's own pydantic validation), unknown or
cyclic inputs, LLM steps without an endpoint, and columns a step needs that no upstream step
produces. The result also carries what the executor needs per step: its parents, its kind and
a fingerprint (`pysynth.fingerprint`) that changes when its rows could (itself or any ancestor).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.util import find_spec
from typing import Any

from pysynth.errors import PysynthError, SpecError
from pysynth.spec import LLMSpec, LoadedSpec, StepSpec, describe_errors, did_you_mean

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # distilabel's import emits pydantic deprecation warnings
    from distilabel.pipeline import Pipeline
    from distilabel.steps import GeneratorStep
    from pydantic import ValidationError

from pysynth.dag.checks import check_columns, order_steps, resolve_parents
from pysynth.dag.llm import ServerPlan, make_llm, request_identity, resolve_llm, server_plan
from pysynth.dag.user_modules import importable_from
from pysynth.fingerprint import step_fingerprint
from pysynth.steps import UnknownStepType, import_path, resolve_step_type
from pysynth.steps.adapter import AnyStep, is_task
from pysynth.steps.contract import path_params

# Step fields the YAML sets through its own keys, never through `params`.
RESERVED_PARAMS = frozenset({"name", "pipeline", "input_mappings", "output_mappings", "llm", "resources", "use_cache"})


class StepKind(StrEnum):
    GENERATOR = "generator"
    NORMAL = "normal"
    GLOBAL = "global"


@dataclass(frozen=True)
class StepNode:
    spec: StepSpec
    step: AnyStep
    parents: tuple[str, ...]
    kind: StepKind
    fingerprint: str
    concurrency: int
    llm: LLMSpec | None
    server: ServerPlan | None  # a server the run starts for this step's LLM (launch or backend: local)
    # How a process-pool worker rebuilds the step: its class's import path and constructor arguments.
    build: tuple[str, dict[str, Any]]


@dataclass
class CompiledPipeline:
    loaded: LoadedSpec
    pipeline: Pipeline
    nodes: dict[str, StepNode]  # in a topological order
    exports: tuple[str, ...]
    children: dict[str, list[str]] = field(default_factory=dict)

    @property
    def spec_hash(self) -> str:
        return hashlib.sha256(self.loaded.spec.model_dump_json().encode()).hexdigest()


def compile_pipeline(loaded: LoadedSpec) -> CompiledPipeline:
    """Pure: picks no ports, creates no files and leaves `sys.path` as it found it; the run owns resources."""
    with importable_from(loaded.path.parent, write_bytecode=False):
        return _compile(loaded)


def _compile(loaded: LoadedSpec) -> CompiledPipeline:
    spec, source = loaded.spec, loaded.source
    step_classes = [_step_class(loaded, index) for index in range(len(spec.steps))]
    sources = {step.name for step, cls in zip(spec.steps, step_classes, strict=True) if issubclass(cls, GeneratorStep)}
    parents = resolve_parents(spec, source, sources)
    order = order_steps(spec, parents, source)
    pipeline = Pipeline(name=spec.name, description=spec.description or None)
    nodes: dict[str, StepNode] = {}
    servers: dict[Any, ServerPlan] = {}
    for index in order:
        step_spec = spec.steps[index]
        step_parents = parents[step_spec.name]
        llm = resolve_llm(loaded, index) if is_task(step_classes[index]) else None
        server = server_plan(llm, loaded, index, servers) if llm is not None else None
        step, kwargs = _build_step(loaded, index, step_classes[index], pipeline, llm, server)
        kind = StepKind.GENERATOR if step.is_generator else StepKind.GLOBAL if step.is_global else StepKind.NORMAL
        where = ("steps", index)
        if kind is StepKind.GENERATOR and step_parents:
            raise source.error((*where, "inputs"), f"'{step_spec.type}' is a source step and takes no inputs")
        if kind is not StepKind.GENERATOR and not step_parents:
            raise source.error((*where, "inputs") if step_spec.inputs is not None else where,
                               _no_input_message(step_spec))
        nodes[step_spec.name] = StepNode(
            spec=step_spec,
            step=step,
            parents=step_parents,
            kind=kind,
            fingerprint=step_fingerprint(
                import_path(step_spec.type), step, kwargs,
                request=request_identity(llm, loaded, index) if llm is not None else None,
                parents=[nodes[parent].fingerprint for parent in step_parents],
                join=step_spec.join if len(step_parents) > 1 else None),
            concurrency=_concurrency(step_spec, spec.defaults.concurrency, spec.defaults.batch_size, llm),
            llm=llm,
            server=server,
            build=(import_path(step_spec.type), kwargs),
        )
        if step_spec.workers is not None and llm is not None:
            raise source.error(("steps", index, "workers"), "LLM steps run concurrently in the event loop; "
                               "`workers` is for CPU-bound steps (use `concurrency` or llm.max_concurrency)")
        if step_spec.workers is not None and step_spec.workers.backend == "ray" and find_spec("ray") is None:
            raise source.error(("steps", index, "workers", "backend"), "backend ray needs Ray, which is not "
                               "installed: pip install 'pysynth[ray]'")
        if "cache" in step_spec.model_fields_set and llm is None:
            raise source.error(("steps", index, "cache"), "the request cache keeps LLM answers: "
                               f"'{step_spec.type}' sends no LLM requests")
        if step_spec.row_timeout_s is not None and (llm is not None or kind is not StepKind.NORMAL):
            what = ("LLM steps have a time limit per request (llm.timeout_s)" if llm is not None else
                    f"'{step_spec.type}' is a {'source' if kind is StepKind.GENERATOR else 'global'} step")
            raise source.error(("steps", index, "row_timeout_s"), f"{what}; `row_timeout_s` is for Python steps "
                               "that process rows batch by batch")
        for parent in step_parents:
            nodes[parent].step.connect(step)
    check_columns(loaded, nodes)
    children: dict[str, list[str]] = {name: [] for name in nodes}
    for name, node in nodes.items():
        for parent in node.parents:
            children[parent].append(name)
    exports = _exports(loaded, children)
    return CompiledPipeline(loaded=loaded, pipeline=pipeline, nodes=nodes, exports=exports, children=children)


def distilabel_yaml(compiled: CompiledPipeline) -> str:
    """The distilabel pipeline the spec compiles to, in distilabel's own serialization."""
    import yaml

    return str(yaml.safe_dump(compiled.pipeline.dump(), sort_keys=False))


def _concurrency(step_spec: StepSpec, default: int, batch_size: int, llm: LLMSpec | None) -> int:
    if step_spec.workers is not None and step_spec.workers.max_in_flight is not None:
        if step_spec.concurrency is not None:
            raise SpecError(f"step '{step_spec.name}': give concurrency or workers.max_in_flight, not both "
                            "(both bound its batches in flight)")
        return step_spec.workers.max_in_flight
    if step_spec.concurrency is not None:
        return step_spec.concurrency
    if llm is not None:  # enough batches in flight to keep the LLM's request cap busy
        return max(default, -(-llm.max_concurrency // batch_size))
    if step_spec.workers is not None:  # a batch for every worker
        return max(default, step_spec.workers.size)
    return default


def _no_input_message(step_spec: StepSpec) -> str:
    if step_spec.inputs == []:
        return f"'{step_spec.type}' reads rows from other steps: `inputs` must name at least one"
    return (f"'{step_spec.type}' reads rows from other steps, but it is the first step and has no `inputs` "
            "(start the pipeline with a source step such as make_rows or load_file)")


def _step_class(loaded: LoadedSpec, index: int) -> type[AnyStep]:
    step_spec = loaded.spec.steps[index]
    try:
        return resolve_step_type(step_spec.type)
    except UnknownStepType as exc:
        hint = did_you_mean(exc.word, exc.candidates) if exc.word else ""
        raise loaded.source.error(("steps", index, "type"), f"{exc}{hint}") from None


def _build_step(
    loaded: LoadedSpec, index: int, step_class: type[AnyStep], pipeline: Pipeline, llm: LLMSpec | None,
    server: ServerPlan | None,
) -> tuple[AnyStep, dict[str, Any]]:
    step_spec, source, where = loaded.spec.steps[index], loaded.source, ("steps", index)
    for key in step_spec.params:
        if key in RESERVED_PARAMS:
            raise source.error((*where, "params", key), _reserved_message(key), at_key=True)
    params = dict(step_spec.params)
    # `path_params` name files (or dataset directories) the step reads: relative to the pipeline file,
    # and they must exist; whether a directory will do is the step's own check.
    for key in path_params(step_class):
        if isinstance(params.get(key), str):
            resolved = loaded.path.resolve().parent / params[key]
            if not resolved.exists():
                relative = "" if os.path.isabs(params[key]) else " (relative paths start at the pipeline file's folder)"
                raise source.error((*where, "params", key), f"no such file '{params[key]}'{relative}")
            params[key] = str(resolved)
    if issubclass(step_class, GeneratorStep):
        params.setdefault("batch_size", loaded.spec.defaults.batch_size)
    if llm is not None:
        params["llm"] = make_llm(llm, loaded, index, server)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {"name": step_spec.name, "input_mappings": step_spec.input_mappings,
                      "output_mappings": step_spec.output_mappings, **params}
            step = step_class(pipeline=pipeline, **kwargs)
            kwargs.pop("llm", None)
            return step, kwargs
    except ValidationError as exc:
        lines = describe_errors(exc, source, (*where, "params"), step_class, hidden=RESERVED_PARAMS)
        raise SpecError("\n".join(lines)) from None
    except (PysynthError, ValueError, TypeError) as exc:
        raise source.error((*where, "params"), f"{step_spec.type}: {exc}") from None


def _reserved_message(key: str) -> str:
    if key in StepSpec.model_fields:
        return f"'{key}' is not a parameter: set it with the step's own `{key}:` key, beside `params`"
    return f"'{key}' is not a parameter: pysynth sets it"


def _exports(loaded: LoadedSpec, children: dict[str, list[str]]) -> tuple[str, ...]:
    wanted = loaded.spec.export.steps
    if wanted is None:
        return tuple(name for name, kids in children.items() if not kids)
    for position, name in enumerate(wanted):
        if name not in children:
            raise loaded.source.error(("export", "steps", position), f"no step named '{name}'"
                                      + did_you_mean(name, children))
    return tuple(wanted)
