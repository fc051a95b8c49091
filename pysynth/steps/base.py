"""The small base of pysynth's row-wise steps: one row in, zero or more rows out, drops with a reason.

A `RowStep` is a real distilabel `Step` (its `process` works under distilabel's own runner),
but pysynth's executor calls `transform` row by row instead, which gives it what a batch call
cannot: a failing row is isolated from its siblings, each output row is traced to the row it
came from (stable row ids), and every dropped row is counted under its reason.
"""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from distilabel.steps import Step, StepInput

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

Row = dict[str, Any]


@dataclass(frozen=True)
class Dropped:
    """A row removed on purpose; `reason` is what the run manifest counts it under, `detail` what
    only this row's drop record says (the benchmark row it hit, a score): kept in the step's
    `dropped/` files as `drop_detail`, so the manifest's counts stay one line per reason."""

    reason: str
    detail: str = ""


RowResult = Row | list[Row] | Dropped


class RowStep(Step):
    """Per-row step. Subclasses implement `transform` and declare `inputs`/`outputs`."""

    # Whether the input columns flow through to the output (the column check of `pysynth validate`).
    passthrough: ClassVar[bool] = True

    @abstractmethod
    def transform(self, row: Row) -> RowResult:
        """Return the output row(s) for `row`, or `Dropped(reason)`; raise to fail just this row."""

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        kept: list[Row] = []
        for row in inputs:
            result = self.transform(row)
            if isinstance(result, Dropped):
                continue
            kept.extend(result if isinstance(result, list) else [result])
        yield kept
