"""The calibrate step on hand-made rows: one copy per problem (the measured one), the map applied
to every row, the report, and a clear failure when too few rows were measured."""

from __future__ import annotations

from typing import Any

import pytest

from pysynth.errors import InputError
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.calibrate import DUPLICATE, REPLACED, Calibrate


def predicted(row_id: str, difficulty: float) -> dict[str, Any]:
    return {"_row_id": row_id, "id": f"p-{row_id}", "predicted_difficulty": difficulty}


def measured(row_id: str, difficulty: float, rate: float) -> dict[str, Any]:
    return {**predicted(row_id, difficulty), "pass_rates": [rate], "pass_rate": rate}


PREDICTED = [predicted("0", 0.1), predicted("1", 0.3), predicted("2", 0.5), predicted("3", 0.9)]
MEASURED = [measured("0", 0.1, 0.9), measured("2", 0.5, 0.5), measured("3", 0.9, 0.1)]


def test_each_problem_comes_out_once_with_its_measured_copy_preferred() -> None:
    step = Calibrate(name="calibrate")
    decided = step.select(PREDICTED + MEASURED)
    assert decided[:4] == [Dropped(REPLACED), {**PREDICTED[1], "calibrated_pass_rate": pytest.approx(0.7)},
                           Dropped(REPLACED), Dropped(REPLACED)]
    kept = [row for row in decided if not isinstance(row, Dropped)]
    assert [row["_row_id"] for row in kept] == ["1", "0", "2", "3"]
    assert [row["calibrated_pass_rate"] for row in kept] == pytest.approx([0.7, 0.9, 0.5, 0.1])
    assert kept[1]["pass_rate"] == 0.9, "the measured copy keeps its measurement"


def test_the_order_of_the_inputs_does_not_change_which_copy_wins() -> None:
    decided = Calibrate(name="calibrate").select(MEASURED + PREDICTED)
    kept = [row for row in decided if not isinstance(row, Dropped)]
    assert sorted((row["_row_id"], row.get("pass_rate")) for row in kept) == [
        ("0", 0.9), ("1", None), ("2", 0.5), ("3", 0.1)]


def test_a_copy_with_nothing_measured_is_a_plain_duplicate() -> None:
    decided = Calibrate(name="calibrate").select([*PREDICTED, predicted("1", 0.3), *MEASURED])
    assert decided[4] == Dropped(DUPLICATE)


def test_the_report_holds_the_fit_rho_and_table() -> None:
    step = Calibrate(name="calibrate", bins=2)
    step.select(PREDICTED + MEASURED)
    report = step.report()
    assert report["rows"] == 4 and report["measured"] == 3
    assert report["spearman_rho"] == pytest.approx(-1.0)
    assert report["fitted_points"] == [{"predicted_difficulty": 0.1, "pass_rate": 0.9},
                                       {"predicted_difficulty": 0.5, "pass_rate": 0.5},
                                       {"predicted_difficulty": 0.9, "pass_rate": 0.1}]
    assert report["table"] == [
        {"low": 0.0, "high": 0.5, "rows": 2, "measured": 1, "mean_pass_rate": 0.9, "mean_calibrated": 0.8},
        {"low": 0.5, "high": 1.0, "rows": 2, "measured": 2, "mean_pass_rate": 0.3, "mean_calibrated": 0.3}]
    assert "IsotonicRegression(increasing=False, out_of_bounds='clip')" in report["method"]


def test_too_few_measured_rows_fail_the_step_with_the_count() -> None:
    with pytest.raises(InputError, match=r"calibrate step 'calibrate': 2 rows have a measured 'pass_rate', "
                                         r"fewer than min_measured=3"):
        Calibrate(name="calibrate").select(PREDICTED + MEASURED[:2])
    decided = Calibrate(name="calibrate", min_measured=2).select(PREDICTED + MEASURED[:2])
    assert sum(not isinstance(row, Dropped) for row in decided) == 4


def test_a_row_without_a_prediction_is_named() -> None:
    broken = {**PREDICTED[1], "predicted_difficulty": None}
    with pytest.raises(InputError, match=r"row 1: 'predicted_difficulty' is None, not a number"):
        Calibrate(name="calibrate").select([PREDICTED[0], broken, *PREDICTED[2:], *MEASURED])
