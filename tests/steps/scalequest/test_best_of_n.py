"""best_of_n: one row per question, the highest reward, the first of equals; drops say by how much."""

from __future__ import annotations

import warnings

import pytest

from pysynth.errors import InputError
from pysynth.steps.base import Dropped, Row
from pysynth.steps.scalequest.best_of_n import NOT_BEST, BestOfN


def step(**params: object) -> BestOfN:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return BestOfN(name="best", **params)


def rows(*entries: tuple[str, str, object]) -> list[Row]:
    return [{"_row_id": f"r{index}", "question": question, "response": response, "reward": reward}
            for index, (question, response, reward) in enumerate(entries)]


def test_each_question_keeps_its_highest_reward_response() -> None:
    given = rows(("q1", "a", 0.1), ("q2", "x", -2.0), ("q1", "b", 0.9), ("q1", "c", 0.5), ("q2", "y", -1.0))
    decided = step().select(given)
    kept = [row["response"] for row in decided if not isinstance(row, Dropped)]
    assert kept == ["b", "y"]
    drops = {given[index]["response"]: row for index, row in enumerate(decided) if isinstance(row, Dropped)}
    assert {drop.reason for drop in drops.values()} == {NOT_BEST}
    assert drops["a"].detail == "reward 0.1000 < best 0.9000 (row r2)"
    assert drops["x"].detail == "reward -2.0000 < best -1.0000 (row r4)"


def test_on_a_tie_the_first_response_wins() -> None:
    decided = step().select(rows(("q", "first", 1.0), ("q", "second", 1.0)))
    assert decided[0] == rows(("q", "first", 1.0))[0]
    assert isinstance(decided[1], Dropped) and "ties the best 1.0000 of row r0" in decided[1].detail


def test_the_group_and_reward_columns_are_parameters_and_the_report_counts() -> None:
    given = [{"problem": "p", "score": 3}, {"problem": "p", "score": 7}, {"problem": "o", "score": 1}]
    best = step(group_column="problem", reward_column="score")
    decided = best.select(given)
    assert [isinstance(row, Dropped) for row in decided] == [True, False, False]
    assert best.report() == {"groups": 2, "rows_before": 3, "rows_after": 2}


@pytest.mark.parametrize("reward", [None, "high", float("nan"), True])
def test_a_row_without_a_numeric_reward_fails_naming_the_row(reward: object) -> None:
    with pytest.raises(InputError, match=r"row r1: 'reward' is .* not a number \(does reward_score come before"):
        step().select(rows(("q", "a", 1.0), ("q", "b", reward)))
