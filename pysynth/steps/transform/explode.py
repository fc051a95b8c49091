"""Fan out: one output row per element of a list column."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class Explode(RowStep):
    """Row with `column: [a, b]` -> two rows with `column: a` and `column: b`."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("`column`", "`column` (one row per element), `index_column`")

    column: str = Field(description="A column holding a list.")
    index_column: str | None = Field(default=None, description="Also write each element's position here.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return [self.column] + ([self.index_column] if self.index_column else [])

    def transform(self, row: Row) -> RowResult:
        values = row.get(self.column)
        if values is None:
            return Dropped(f"'{self.column}' is null")
        if not isinstance(values, list):
            raise TypeError(f"column '{self.column}' holds {type(values).__name__}, not a list")
        if not values:
            return Dropped(f"'{self.column}' is an empty list")
        rows = [{**row, self.column: value} for value in values]
        if self.index_column is not None:
            for position, output in enumerate(rows):
                output[self.index_column] = position
        return rows
