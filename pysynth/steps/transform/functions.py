"""Resolve a user function named by import path ('package.module:function' or 'package.module.function')."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from pydantic import Field, PrivateAttr, field_validator

from pysynth.steps.base import Row, RowStep


def import_function(path: str) -> Callable[..., Any]:
    module_name, sep, attribute = path.partition(":")
    if not sep:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"'{path}' is not an import path like 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import '{path}': {exc}") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ValueError(f"'{path}' is not a callable")
    return function  # type: ignore[no-any-return]


class FunctionStep(RowStep):
    """A row step that calls a user function by import path (the family base of `map` and `filter`)."""

    function: str = Field(description="Import path of the function, e.g. 'my_project.cleaning:normalize'.")
    input_columns: list[str] = Field(default_factory=list, description="Columns the function reads.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra keyword arguments for the function.")

    _function: Callable[..., Any] | None = PrivateAttr(default=None)

    @field_validator("function")
    @classmethod
    def _importable(cls, path: str) -> str:
        import_function(path)  # fails validation (file:line in the YAML) rather than the run
        return path

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return self.input_columns

    def fingerprint(self) -> str:
        """The function's source (`Fingerprinted`): editing it re-runs the step; helpers it calls are not read."""
        function = import_function(self.function)
        try:
            return inspect.getsource(function)
        except (OSError, TypeError):  # a builtin, or code without a source file: its import path has to do
            return self.function

    def load(self) -> None:
        super().load()
        self._function = import_function(self.function)

    def call(self, row: Row) -> Any:
        return (self._function or import_function(self.function))(row, **self.kwargs)
