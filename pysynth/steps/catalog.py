"""What `pysynth steps` prints: each built-in step's columns and parameters, read off the classes."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo

from pysynth.steps.registry import BUILTIN_STEPS, resolve_step_type

# Fields every distilabel step has; the pipeline YAML sets them through its own keys or defaults.
def _base_fields() -> frozenset[str]:
    from distilabel.steps import GeneratorStep, GlobalStep, Step
    from distilabel.steps.tasks.base import _Task

    names = {name for base in (Step, GeneratorStep, GlobalStep, _Task) for name in base.model_fields}
    return frozenset(names - {"num_generations", "group_generations"})

# Columns of built-ins whose columns depend on their parameters.
COLUMNS: dict[str, tuple[str, str]] = {
    "load_file": ("-", "the file's columns (or `columns`)"),
    "load_problems": ("-", "the Problem fields (tests, solutions as lists of dicts; malformed rows dropped)"),
    "make_rows": ("-", "the keys of `columns`"),
    "load_rows": ("-", "the keys of `data`"),
    "generate": ("the {placeholders} of `template`", "generation, model_name, distilabel_metadata, logprobs (if asked)"),
    "map": ("`input_columns`", "`output_columns` (plus the input's)"),
    "explode": ("`column`", "`column` (one row per element), `index_column`"),
    "keep_columns": ("`columns`", "only `columns`"),
    "filter": ("`input_columns`", "the input's (dropped rows counted by reason)"),
    "near_dedup": ("`column`", "the input's (near duplicates dropped)"),
    "quest_prompt": ("statement or problem (by `kind`)", "<kind>_prompt"),
    "quest_sample_prompts": ("seed_id, statement, concepts, topics, difficulty",
                             "only prompt_id, concepts, few_shot_ids, generation_prompt"),
    "quest_export": ("by `kind`", "only the dataset's columns (by `kind`)"),
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str
    description: str


@dataclass(frozen=True)
class StepInfo:
    name: str
    import_path: str
    kind: str
    summary: str
    inputs: str
    outputs: str
    parameters: tuple[Parameter, ...]


def catalog() -> list[StepInfo]:
    return [describe_step(name) for name in BUILTIN_STEPS]


def describe_step(name: str) -> StepInfo:
    step_class = resolve_step_type(name)
    from distilabel.steps import GeneratorStep, GlobalStep

    kind = "source" if issubclass(step_class, GeneratorStep) else "global" if issubclass(step_class, GlobalStep) \
        else "llm" if "llm" in step_class.model_fields else "row"
    inputs, outputs = COLUMNS.get(name, ("?", "?"))
    parameters = tuple(
        _parameter(field_name, info) for field_name, info in step_class.model_fields.items()
        if field_name not in _base_fields()
    )
    summary = (step_class.__doc__ or "").strip().splitlines()[0] if step_class.__doc__ else ""
    return StepInfo(name, BUILTIN_STEPS[name], kind, summary, inputs, outputs, parameters)


def _parameter(name: str, info: FieldInfo) -> Parameter:
    default: Any = "required" if info.is_required() else (
        "[]" if info.default_factory is list else "{}" if info.default_factory is dict else
        "(computed)" if info.default_factory is not None else repr(info.default))
    # A plain class by its name; anything else (list[str], int | None) as written, which keeps its arguments.
    hint = info.annotation
    if isinstance(hint, type) and not typing.get_args(hint):
        annotation = hint.__name__
    else:
        annotation = str(hint).replace("typing.", "")
    return Parameter(name, annotation, str(default), info.description or "")
