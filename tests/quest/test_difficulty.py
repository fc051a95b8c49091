"""pysynth.quest.difficulty: hand-made solution sets run through the real judge give the known
delta, the voted outputs and the documented drops."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pysynth import judge as J
from pysynth.quest.difficulty import (
    DifficultyDrop,
    DifficultyDropReason,
    DifficultyRules,
    DifficultyScore,
    score_difficulty,
    score_judge_result,
)

FAST = J.JudgeConfig.build(time_limit="300ms", wall_time_limit="600ms", workers=4)
INPUTS = ["1\n", "7\n", "20\n"]
DOUBLE_PY = J.Solution("python", "print(int(input()) * 2)")
DOUBLE_CPP = J.Solution("cpp", '#include <cstdio>\nint main(){long n; scanf("%ld", &n); printf("%ld\\n", n * 2);}')
DOUBLE_LOOP = J.Solution("python", "n = int(input())\nprint(sum(2 for _ in range(n)))")
PRINTS_A = J.Solution("python", "input()\nprint('a')")
PRINTS_B = J.Solution("python", "input()\nprint('b')")
CRASHES = J.Solution("python", "raise ValueError('no')")
SLEEPS = J.Solution("python", "import time\ntime.sleep(5)")
BROKEN = J.Solution("cpp", "int main( {")


def scored(outcome: DifficultyScore | DifficultyDrop) -> DifficultyScore:
    assert isinstance(outcome, DifficultyScore), outcome
    return outcome


def dropped(outcome: DifficultyScore | DifficultyDrop) -> DifficultyDrop:
    assert isinstance(outcome, DifficultyDrop), outcome
    return outcome


def test_unanimous_solutions_give_zero_and_the_voted_outputs() -> None:
    score = scored(score_difficulty([DOUBLE_PY, DOUBLE_CPP, DOUBLE_LOOP], INPUTS, config=FAST))
    assert score.delta == 0.0
    assert [(v.input, v.output, v.share, v.valid) for v in score.voted] == [
        ("1\n", "2\n", 1.0, 3), ("7\n", "14\n", 1.0, 3), ("20\n", "40\n", 1.0, 3),
    ]
    assert (score.inputs_total, score.solutions_total, score.solutions_valid) == (3, 3, 3)


def test_a_two_to_one_split_on_every_input_gives_one_third() -> None:
    score = scored(score_difficulty([PRINTS_A, PRINTS_B, PRINTS_A], INPUTS, config=FAST))
    assert score.delta == pytest.approx(1 - 2 / 3)
    assert {v.output for v in score.voted} == {"a\n"}


def test_crashes_and_timeouts_take_no_part_in_the_votes() -> None:
    solutions = [PRINTS_A, CRASHES, PRINTS_A, SLEEPS, PRINTS_B, BROKEN]
    score = scored(score_difficulty(solutions, INPUTS[:2], config=FAST))
    assert [v.valid for v in score.voted] == [3, 3]
    assert [v.share for v in score.voted] == pytest.approx([2 / 3, 2 / 3])
    assert score.delta == pytest.approx(1 / 3)
    assert (score.solutions_total, score.solutions_valid) == (6, 3)


# Valid on every input except "0", where only one solution finishes.
ZERO_FAILS = J.Solution("python", "print(10 // int(input()))")
ZERO_FAILS_TOO = J.Solution("python", "n = int(input())\nprint(10 // n if n != 1 else 0)")
SURVIVES_ZERO = J.Solution("python", "n = int(input())\nprint(10 // n if n else 'inf')")


def test_inputs_with_too_few_valid_outputs_do_not_count() -> None:
    inputs = ["0\n", "1\n", "5\n"]
    solutions = [ZERO_FAILS, ZERO_FAILS_TOO, SURVIVES_ZERO]
    result = J.run(solutions, [J.Test(text) for text in inputs], FAST)
    score = scored(score_judge_result(result, inputs))
    assert [v.input for v in score.voted] == ["1\n", "5\n"]
    # On "1" the outputs are 10, 0, 10; on "5" all say 2. The lone valid output on "0" would
    # count as a unanimous vote in the judge's own delta and pull it down.
    assert score.delta == pytest.approx(1 - (2 / 3 + 1) / 2)
    assert result.difficulty.delta == pytest.approx(1 - (1 + 2 / 3 + 1) / 3)
    lenient = scored(score_judge_result(result, inputs, DifficultyRules(min_valid_outputs=1)))
    assert lenient.delta == pytest.approx(result.difficulty.delta)


def test_too_few_counting_inputs_drop_the_problem() -> None:
    outcome = dropped(score_difficulty([ZERO_FAILS, ZERO_FAILS_TOO, SURVIVES_ZERO], ["0\n", "5\n"], config=FAST))
    assert outcome.reason == DifficultyDropReason.TOO_FEW_VALID_INPUTS and outcome.detail == "1 of 2 < 2"


def test_too_few_running_solutions_drop_the_problem() -> None:
    outcome = dropped(score_difficulty([DOUBLE_PY, CRASHES, BROKEN], INPUTS, config=FAST))
    assert outcome.reason == DifficultyDropReason.TOO_FEW_SOLUTIONS and outcome.detail == "1 of 3 < 2"


def test_hopeless_problems_are_dropped_before_judging() -> None:
    assert dropped(score_difficulty([DOUBLE_PY], INPUTS)).reason == DifficultyDropReason.TOO_FEW_SOLUTIONS
    outcome = dropped(score_difficulty([DOUBLE_PY, DOUBLE_CPP], ["1\n"], DifficultyRules(min_valid_inputs=2)))
    assert outcome.reason == DifficultyDropReason.TOO_FEW_INPUTS


def test_a_judge_fault_drops_the_problem_instead_of_scoring_the_judge() -> None:
    result = J.run([PRINTS_A, PRINTS_A], [J.Test(text) for text in INPUTS], FAST)
    faulty = J.RunResult(None, "SandboxError", "mount failed", None, None, 0.0, 0.0, 0, b"", b"")
    runs = [list(row) for row in result.runs]
    runs[1][2] = faulty
    outcome = dropped(score_judge_result(replace(result, runs=runs), INPUTS))
    assert outcome.reason == DifficultyDropReason.JUDGE_FAULT and "mount failed" in outcome.detail
