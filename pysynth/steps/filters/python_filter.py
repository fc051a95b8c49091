"""Keep or drop rows by a Python predicate; every drop carries a reason."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.steps.base import Dropped, Row, RowResult
from pysynth.steps.transform.functions import FunctionStep


class PythonFilter(FunctionStep):
    """`function(row)` returns True/None to keep, False to drop (with `reason`), or a string: the drop reason."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("`input_columns`", "the input's (dropped rows counted by reason)")

    reason: str | None = Field(default=None, description="Drop reason when the predicate returns False.")

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def transform(self, row: Row) -> RowResult:
        verdict = self.call(row)
        if verdict is None or verdict is True:
            return row
        if verdict is False:
            return Dropped(self.reason or f"rejected by {self.function}")
        if isinstance(verdict, str):
            return Dropped(verdict)
        raise TypeError(f"{self.function} returned {type(verdict).__name__}; expected bool, None or a reason string")
