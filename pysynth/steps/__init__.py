"""Built-in steps. Each is a distilabel step; `pysynth steps` lists them with their columns."""

from pysynth.steps.base import Dropped, RowResult, RowStep
from pysynth.steps.contract import SourceWithDrops, column_passthrough
from pysynth.steps.registry import BUILTIN_STEPS, UnknownStepType, import_path, resolve_step_type

__all__ = [
    "BUILTIN_STEPS",
    "Dropped",
    "RowResult",
    "RowStep",
    "SourceWithDrops",
    "UnknownStepType",
    "column_passthrough",
    "import_path",
    "resolve_step_type",
]
