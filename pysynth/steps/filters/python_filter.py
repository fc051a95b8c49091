"""Keep or drop rows by a Python predicate; every drop carries a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, PrivateAttr, field_validator

from pysynth.steps.base import Dropped, Row, RowResult, RowStep
from pysynth.steps.transform.functions import import_function


class PythonFilter(RowStep):
    """`function(row)` returns True/None to keep, False to drop (with `reason`), or a string: the drop reason."""

    function: str = Field(description="Import path of the predicate.")
    input_columns: list[str] = Field(default_factory=list, description="Columns the predicate reads.")
    reason: str | None = Field(default=None, description="Drop reason when the predicate returns False.")
    kwargs: dict[str, Any] = Field(default_factory=dict)

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
        return []

    def load(self) -> None:
        super().load()
        self._function = import_function(self.function)

    def transform(self, row: Row) -> RowResult:
        verdict = (self._function or import_function(self.function))(row, **self.kwargs)
        if verdict is None or verdict is True:
            return row
        if verdict is False:
            return Dropped(self.reason or f"rejected by {self.function}")
        if isinstance(verdict, str):
            return Dropped(verdict)
        raise TypeError(f"{self.function} returned {type(verdict).__name__}; expected bool, None or a reason string")
