"""Apply a Python function to each row: the function returns new/updated columns (or several rows)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.steps.base import Dropped, Row, RowResult
from pysynth.steps.transform.functions import FunctionStep


class MapRows(FunctionStep):
    """`function(row)` returns a dict merged into the row, a list of dicts (one output row each), or None to drop."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("`input_columns`", "`output_columns` (plus the input's)")

    output_columns: list[str] = Field(default_factory=list, description="Columns the function adds.")

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return self.output_columns

    def transform(self, row: Row) -> RowResult:
        result = self.call(row)
        if result is None:
            return Dropped(f"{self.function} returned None")
        if isinstance(result, list):
            return [{**row, **item} for item in result]
        if isinstance(result, dict):
            return {**row, **result}
        raise TypeError(f"{self.function} returned {type(result).__name__}; expected a dict, a list of dicts or None")
