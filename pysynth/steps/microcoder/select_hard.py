"""MicroCoder's selection: drop the problems a strong model is calibrated to solve too often."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
import math
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.errors import InputError
from pysynth.runtime.frames import ROW_ID
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

TOO_EASY = "select: too easy"
UNLABELLED = "unlabelled"


class SelectHard(GlobalStep):
    """Drops rows whose `calibrated_pass_rate` is above `max_pass_rate` under `select: too easy`
    (the detail gives the calibrated pass rate and the prediction). The manifest's `report`: rows
    before and after, the share removed, and per dataset difficulty label (`label_column`, lower
    case; `unlabelled` when missing) its rows and share before and after. The paper reports the
    easy share going from 40% to 20%, with about 30% of the problems removed."""

    # What `pysynth steps` shows: rows pass through, some dropped.
    columns_help: ClassVar[tuple[str, str]] = ("`column` (calibrated_pass_rate)", "the input's (problems above max_pass_rate dropped)")

    max_pass_rate: float = Field(
        default=0.8, ge=0, le=1,
        description="Rows calibrated to pass more often are dropped. Default ours (the paper's is unpublished).")
    column: str = Field(default="calibrated_pass_rate", description="The calibrated pass rate compared.")
    predicted_column: str = Field(default="predicted_difficulty", description="Shown in each drop's detail.")
    label_column: str = Field(default="difficulty", description="The dataset's difficulty label, for the report.")

    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the row, or `select: too easy` with its scores."""
        decided: list[Row | Dropped] = []
        for row in rows:
            rate = self._rate(row)
            if rate > self.max_pass_rate:
                predicted = row.get(self.predicted_column)
                shown = f"{predicted:.3f}" if isinstance(predicted, int | float) else "none"
                decided.append(Dropped(TOO_EASY, detail=f"calibrated pass rate {rate:.3f} > {self.max_pass_rate:g} "
                                                        f"(predicted difficulty {shown})"))
            else:
                decided.append(row)
        kept = [row for row in decided if not isinstance(row, Dropped)]
        before, after = self._labels(rows), self._labels(kept)
        self._report = {
            "max_pass_rate": self.max_pass_rate, "rows_before": len(rows), "rows_after": len(kept),
            "removed": len(rows) - len(kept),
            "removed_share": round((len(rows) - len(kept)) / len(rows), 6) if rows else None,
            "by_difficulty": {label: {"before": before[label], "after": after[label],
                                      "share_before": round(before[label] / len(rows), 6),
                                      "share_after": round(after[label] / len(kept), 6) if kept else None}
                              for label in sorted(before)},
        }
        return decided

    def report(self) -> dict[str, Any]:
        """Counts and label shares of the last `select` (see the class docstring); JSON values only."""
        return dict(self._report)

    def _rate(self, row: Row) -> float:
        value = row.get(self.column)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"select step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: '{self.column}' is "
                             f"{value!r}, not a number (does microcoder_calibrate come before it?)")
        return float(value)

    def _labels(self, rows: list[Row]) -> Counter[str]:
        return Counter(str(row.get(self.label_column) or "").strip().lower() or UNLABELLED for row in rows)

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]
