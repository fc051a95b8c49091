"""Apply a Python function to each row: the function returns new/updated columns (or several rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, PrivateAttr, field_validator

from pysynth.steps.base import Dropped, Row, RowResult, RowStep
from pysynth.steps.transform.functions import import_function


class MapRows(RowStep):
    """`function(row)` returns a dict merged into the row, a list of dicts (one output row each), or None to drop."""

    function: str = Field(description="Import path of the function, e.g. 'my_project.cleaning:normalize'.")
    input_columns: list[str] = Field(default_factory=list, description="Columns the function reads.")
    output_columns: list[str] = Field(default_factory=list, description="Columns the function adds.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra keyword arguments for the function.")

    _function: Callable[..., Any] | None = PrivateAttr(default=None)

    @field_validator("function")
    @classmethod
    def _importable(cls, path: str) -> str:
        import_function(path)
        return path

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return self.input_columns

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return self.output_columns

    def load(self) -> None:
        super().load()
        self._function = import_function(self.function)

    def transform(self, row: Row) -> RowResult:
        function = self._function or import_function(self.function)
        result = function(row, **self.kwargs)
        if result is None:
            return Dropped(f"{self.function} returned None")
        if isinstance(result, list):
            return [{**row, **item} for item in result]
        if isinstance(result, dict):
            return {**row, **result}
        raise TypeError(f"{self.function} returned {type(result).__name__}; expected a dict, a list of dicts or None")
