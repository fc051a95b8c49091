"""What `pysynth steps` prints: each built-in step's columns and parameters, read off the classes."""

from __future__ import annotations

import typing
import warnings
from dataclasses import dataclass
from typing import Any

from pydantic.fields import FieldInfo

from pysynth.steps.adapter import FOREIGN_COLUMNS, STEP_FIELDS_SET_BY_PYSYNTH, AnyStep, is_task
from pysynth.steps.contract import column_passthrough
from pysynth.steps.registry import BUILTIN_STEPS, resolve_step_type


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
    from distilabel.steps import GeneratorStep, GlobalStep

    step_class = resolve_step_type(name)
    kind = "source" if issubclass(step_class, GeneratorStep) else "global" if issubclass(step_class, GlobalStep) \
        else "llm" if is_task(step_class) else "row"
    inputs, outputs = step_columns(step_class, BUILTIN_STEPS[name])
    parameters = tuple(
        _parameter(field_name, info) for field_name, info in step_class.model_fields.items()
        if field_name not in STEP_FIELDS_SET_BY_PYSYNTH
    )
    summary = (step_class.__doc__ or "").strip().splitlines()[0] if step_class.__doc__ else ""
    return StepInfo(name, BUILTIN_STEPS[name], kind, summary, inputs, outputs, parameters)


def step_columns(step_class: type[AnyStep], import_path: str) -> tuple[str, str]:
    """(inputs, outputs) as `pysynth steps` shows them: the class's `columns_help` where its columns
    depend on its parameters, else the columns of the step built with its defaults."""
    declared = getattr(step_class, "columns_help", None) or FOREIGN_COLUMNS.get(import_path)
    if declared is not None:
        return declared
    from distilabel.pipeline import Pipeline

    from pysynth.llm import OpenAICompatibleLLM

    # Built only to read its columns: the LLM is never loaded, nothing is sent.
    extra = {"llm": OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="-")} if is_task(step_class) else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = step_class(name="catalog", pipeline=Pipeline(name="catalog"), **extra)
    kept = "" if column_passthrough(step) else "only "
    return ", ".join(step.inputs) or "-", kept + ", ".join(step.outputs)


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
