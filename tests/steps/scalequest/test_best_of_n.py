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


def answered(*entries: tuple[str, str, object]) -> list[Row]:
    return [{"_row_id": f"r{index}", "question": question, "response": f"... \\boxed{{{final}}}",
             "response_answer": final} for index, (question, final) in enumerate(entries)]


def test_by_agreement_keeps_a_response_of_the_majority_answer_over_equivalent_forms() -> None:
    # q1: 1/2, 0.5 and \frac{1}{2} are one answer (3 of 4); 3 is alone. q2: a 1-1 tie keeps the first.
    given = answered(("q1", "3"), ("q2", "7"), ("q1", "1/2"), ("q1", "0.5"), ("q2", "8"), ("q1", "\\frac{1}{2}"))
    best = step(by="agreement")
    decided = best.select(given)
    kept = [row for row in decided if not isinstance(row, Dropped)]
    assert [(row["_row_id"], row["agreement"]) for row in kept] == [("r1", 0.5), ("r2", 0.75)]
    drops = {given[index]["_row_id"]: row for index, row in enumerate(decided) if isinstance(row, Dropped)}
    assert drops["r0"].detail == "agreement 0.2500 < best 0.7500 (row r2)"
    assert drops["r3"].detail == "agreement 0.7500 ties the best 0.7500 of row r2, kept as the first"
    assert drops["r4"].detail == "agreement 0.5000 ties the best 0.5000 of row r1, kept as the first"
    assert best.report() == {"groups": 2, "rows_before": 6, "rows_after": 2}
    assert best.inputs == ["question", "response_answer"] and best.outputs == ["agreement"]


def test_by_agreement_needs_no_reward_column_and_reads_the_answer_column_named() -> None:
    given = [{"q": "p", "final": "2"}, {"q": "p", "final": "3"}, {"q": "p", "final": "2.0"}]
    decided = step(by="agreement", group_column="q", answer_column="final").select(given)
    assert [isinstance(row, Dropped) for row in decided] == [False, True, True]
    assert decided[0] == {"q": "p", "final": "2", "agreement": 2 / 3}


@pytest.mark.parametrize("final", [None, "  ", 4])
def test_by_agreement_a_row_without_a_final_fails_naming_the_row(final: object) -> None:
    with pytest.raises(InputError, match=r"row r1: 'response_answer' is .* not a final answer \(does responses"):
        step(by="agreement").select(answered(("q", "1"), ("q", final)))


def test_by_reward_is_the_default_and_adds_no_column() -> None:
    best = step()
    assert best.by == "reward" and best.inputs == ["question", "reward"] and best.outputs == []
