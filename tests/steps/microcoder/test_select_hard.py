"""The select step on hand-made rows: too-easy rows dropped with their scores, label shares reported."""

from __future__ import annotations

from typing import Any

import pytest

from pysynth.errors import InputError
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.select_hard import TOO_EASY, SelectHard


def row(key: str, rate: float, label: str | None, predicted: float = 0.5) -> dict[str, Any]:
    return {"_row_id": key, "id": key, "calibrated_pass_rate": rate, "predicted_difficulty": predicted,
            "difficulty": label}


ROWS = [row("a", 0.95, "EASY", 0.1), row("b", 0.9, "easy"), row("c", 0.5, "Easy "), row("d", 0.4, "medium"),
        row("e", 0.8, "medium"), row("f", 0.1, "hard"), row("g", 0.2, None)]


def test_rows_above_the_threshold_are_dropped_with_their_scores() -> None:
    decided = SelectHard(name="select", max_pass_rate=0.8).select(ROWS)
    assert decided[0] == Dropped(TOO_EASY, detail="calibrated pass rate 0.950 > 0.8 (predicted difficulty 0.100)")
    assert isinstance(decided[1], Dropped)
    assert decided[4] == ROWS[4], "a rate equal to the threshold is kept"
    assert [item["id"] for item in decided if not isinstance(item, Dropped)] == ["c", "d", "e", "f", "g"]


def test_the_report_gives_counts_and_label_shares_before_and_after() -> None:
    step = SelectHard(name="select", max_pass_rate=0.6)
    step.select(ROWS)
    report = step.report()
    assert (report["rows_before"], report["rows_after"], report["removed"]) == (7, 4, 3)
    assert report["removed_share"] == pytest.approx(3 / 7, abs=1e-6)
    shares = {label: (line["before"], line["after"], line["share_after"]) for label, line in report["by_difficulty"].items()}
    assert shares == {"easy": (3, 1, 0.25), "medium": (2, 1, 0.25), "hard": (1, 1, 0.25), "unlabelled": (1, 1, 0.25)}
    assert report["by_difficulty"]["easy"]["share_before"] == pytest.approx(3 / 7, abs=1e-6)


def test_nothing_kept_and_nothing_given_report_without_dividing_by_zero() -> None:
    step = SelectHard(name="select", max_pass_rate=0.0)
    step.select([row("a", 0.5, "easy")])
    assert step.report()["by_difficulty"]["easy"]["share_after"] is None
    step.select([])
    assert step.report()["removed_share"] is None and step.report()["by_difficulty"] == {}


def test_a_row_without_a_calibrated_pass_rate_is_named() -> None:
    with pytest.raises(InputError, match=r"row b: 'calibrated_pass_rate' is None, not a number"):
        SelectHard(name="select").select([ROWS[0], {**ROWS[1], "calibrated_pass_rate": None}])
