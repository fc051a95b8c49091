"""Every use of distilabel's internals, in one module: a distilabel upgrade has one place to break.

pysynth builds real distilabel steps (the DAG model and step library) but runs them itself, row by
row; that needs a few of distilabel's private names and methods. Step modules subclass distilabel's
public bases (`Step`, `GeneratorStep`, `GlobalStep`, `Task`); everything private goes through here.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # distilabel's import emits pydantic deprecation warnings
    from distilabel.steps import GeneratorStep, GlobalStep, KeepColumns, Step
    # The base of every distilabel step, and of every step that calls an LLM (`Task` and its kin).
    from distilabel.steps.base import _Step as AnyStep
    from distilabel.steps.tasks.base import _Task as AnyTask

__all__ = ["FOREIGN_COLUMNS", "STEP_FIELDS_SET_BY_PYSYNTH", "AnyStep", "AnyTask", "group_generations", "has_mappings",
           "is_task", "process_batch", "rename_inputs", "restore_outputs", "selects_columns", "task_outputs"]

Row = dict[str, Any]

# Fields every distilabel step has; the pipeline YAML sets them through its own keys or defaults.
STEP_FIELDS_SET_BY_PYSYNTH = frozenset(
    {name for base in (Step, GeneratorStep, GlobalStep, AnyTask) for name in base.model_fields}
    - {"num_generations", "group_generations"})
# distilabel's own steps whose output keeps only some columns, and the help `pysynth steps` shows.
_COLUMN_SELECTORS: tuple[type, ...] = (KeepColumns,)
FOREIGN_COLUMNS: dict[str, tuple[str, str]] = {
    "distilabel.steps:LoadDataFromDicts": ("-", "the keys of `data`"),
    "distilabel.steps:KeepColumns": ("`columns`", "only `columns`"),
}


def is_task(step_class: type) -> bool:
    """Whether the class calls an LLM (the compiler gives it an `llm`)."""
    return issubclass(step_class, AnyTask)


def selects_columns(step: object) -> bool:
    return isinstance(step, _COLUMN_SELECTORS)


def has_mappings(step: AnyStep) -> bool:
    return bool(step.input_mappings or step.output_mappings)


def rename_inputs(step: AnyStep, row: Row) -> tuple[Row, Row]:
    """The row under the names the step reads (`input_mappings`), and the columns the renaming hid."""
    (renamed,), overridden = step._apply_input_mappings(([row],))
    return renamed[0], overridden[0]


def restore_outputs(step: AnyStep, output: Row, overridden: Row) -> Row:
    """An output row under the pipeline's names (`output_mappings`), the hidden columns restored."""
    restored: Row = step._apply_mappings_and_restore_overriden(output, overridden)
    return restored


def task_outputs(task: AnyTask, output: dict[str, Any], row: Row) -> list[Row]:
    """A foreign task's columns for each generation of one LLM answer (its `format_output`)."""
    return list(task._format_outputs(output, row))


def group_generations(items: list[Row]) -> Row:
    """One row whose columns are lists over the generations, as distilabel's `group_generations` does."""
    from distilabel.utils.dicts import group_dicts

    grouped: Row = group_dicts(*items)
    return grouped


def process_batch(step: AnyStep, rows: list[Row]) -> list[Row]:
    """A foreign step's `process` over a batch, with its mappings applied."""
    outputs: list[Row] = []
    for produced in step.process_applying_mappings(rows):
        outputs.extend(produced)
    return outputs

