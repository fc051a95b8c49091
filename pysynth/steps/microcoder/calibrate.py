"""MicroCoder's calibration: a monotone map from predicted difficulty to measured pass rate,
fitted on the calibration subset and applied to every problem, with the fit in the manifest."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
import math
from typing import TYPE_CHECKING, Any

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.errors import InputError
from pysynth.microcoder.calibration import calibration_table, fit_isotonic, spearman_rho
from pysynth.runtime.frames import ROW_ID
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

REPLACED = "calibrate: duplicate (its measured copy is kept)"
DUPLICATE = "calibrate: duplicate row"
METHOD = ("isotonic regression, non-increasing, by pool-adjacent-violators; linear between fitted points, "
          "clipped outside them (sklearn's IsotonicRegression(increasing=False, out_of_bounds='clip'))")


class Calibrate(GlobalStep):
    """Takes BOTH the predicted rows and the measured ones (`inputs: [predict, pass_rate]`): a global
    step receives its inputs' rows concatenated, so a problem of the calibration subset arrives
    twice, matched by `_row_id` (by `id` under distilabel's own runner, which has no row ids). The
    measured copy is kept; the other is dropped under `calibrate: duplicate (its measured copy is
    kept)`, so every problem comes out exactly once.

    The rows with a measured `measured_column` fit a non-increasing map from `predicted_column` to
    pass rate (isotonic regression, see `pysynth.microcoder.calibration`), and every row gets
    `calibrated_pass_rate`, the map at its prediction. The manifest's `report`: rows, rows measured,
    Spearman's rho between prediction and measured pass rate, the fitted points, and a table by
    bins of prediction. Fewer than `min_measured` measured rows fail the step (the run stops,
    resumable): a map fitted on so few would select at random, and rows passed on uncalibrated
    would let every problem through `microcoder_select` unnoticed."""

    predicted_column: str = Field(default="predicted_difficulty", description="Predicted difficulty in [0, 1].")
    measured_column: str = Field(default="pass_rate", description="Measured pass rate; null for rows not measured.")
    min_measured: int = Field(default=3, ge=1, description="Fewer measured rows fail the step. Default ours.")
    bins: int = Field(default=5, ge=1, description="Equal-width bins of predicted difficulty in the report's table.")

    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.predicted_column, self.measured_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["calibrated_pass_rate"]

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: each problem's kept copy with its calibrated pass rate, or a drop."""
        kept = _kept_copies(rows, self.measured_column)
        predicted = {index: self._prediction(rows[index]) for index in kept.values()}
        measured = [index for index in kept.values() if rows[index].get(self.measured_column) is not None]
        if len(measured) < self.min_measured:
            raise InputError(f"calibrate step '{self.name}': {len(measured)} rows have a measured "
                             f"'{self.measured_column}', fewer than min_measured={self.min_measured}; give the "
                             "step the pass-rate rows as an input, or measure a larger calibration subset")
        x = [predicted[index] for index in measured]
        y = [float(rows[index][self.measured_column]) for index in measured]
        fit = fit_isotonic(x, y, increasing=False)
        calibrated = {index: fit(value) for index, value in predicted.items()}
        order = sorted(kept.values())
        self._report = {
            "method": METHOD, "rows": len(order), "measured": len(measured),
            "spearman_rho": _rounded(spearman_rho(x, y)),
            "fitted_points": [{"predicted_difficulty": _rounded(px), "pass_rate": _rounded(py)}
                              for px, py in zip(fit.x, fit.y, strict=True)],
            "table": [{key: _rounded(value) for key, value in line.items()} for line in calibration_table(
                [predicted[i] for i in order], [rows[i].get(self.measured_column) for i in order],
                [calibrated[i] for i in order], self.bins)],
        }
        winners = set(kept.values())
        decided: list[Row | Dropped] = []
        for index, row in enumerate(rows):
            if index in winners:
                decided.append({**row, "calibrated_pass_rate": calibrated[index]})
            else:
                winner = rows[kept[_key(row)]]
                decided.append(Dropped(REPLACED if winner.get(self.measured_column) is not None else DUPLICATE))
        return decided

    def report(self) -> dict[str, Any]:
        """The fit of the last `select` (see the class docstring); JSON values only."""
        return dict(self._report)

    def _prediction(self, row: Row) -> float:
        value = row.get(self.predicted_column)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"calibrate step '{self.name}': row {_key(row)}: '{self.predicted_column}' is "
                             f"{value!r}, not a number (is the predict step among the inputs?)")
        return float(value)

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]


def _key(row: Row) -> object:
    return row.get(ROW_ID, row.get("id"))


def _kept_copies(rows: list[Row], measured_column: str) -> dict[object, int]:
    """Problem key -> the position of the copy kept: its first measured copy, else its first copy."""
    kept: dict[object, int] = {}
    for index, row in enumerate(rows):
        key = _key(row)
        if key is None:
            raise InputError(f"calibrate: row {index} has neither '{ROW_ID}' nor 'id': copies cannot be matched")
        if key not in kept or (rows[kept[key]].get(measured_column) is None and row.get(measured_column) is not None):
            kept[key] = index
    return kept


def _rounded(value: Any) -> Any:
    """Floats to 6 places, so the manifest reads as numbers, not as rounding noise."""
    return round(value, 6) if isinstance(value, float) else value
