"""The pass-rate step in the judge: each answer scored on the problem's tests as the problem is
judged (mode, comparator), answers without runnable code scored 0 and counted, judge faults failing
the row instead of scoring it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest

from pysynth import judge
from pysynth.errors import JudgeFault
from pysynth.problems import Problem
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.pass_rate import PassRate
from pysynth.steps.sources.load_problems import problem_row

STDIN = Problem.model_validate({
    "id": "pr-double", "source": "pysynth-test", "mode": "stdin",
    "statement": "Read an integer and print twice its value.",
    "tests": [{"input": f"{n}\n", "expected": f"{2 * n}\n", "origin": "private"} for n in (1, 2, 3, 0)]})
CALL = Problem.model_validate({
    "id": "pr-longest", "source": "pysynth-test", "mode": "call", "fn_name": "longest",
    "statement": "Write longest(words) returning the length of the longest word.",
    "tests": [{"input": '[["a", "abc"]]', "expected": "3", "origin": "public"},
              {"input": '[["xy"]]', "expected": "2", "origin": "private"}]})


def fenced(language: str, source: str) -> str:
    return f"Solution:\n```{language}\n{source}```\n"


def scored(problem: Problem, answers: list[str], step: PassRate | None = None) -> dict[str, Any]:
    result = (step or PassRate(name="pass_rate")).transform({**problem_row(problem, None), "solution_answers": answers})
    assert isinstance(result, dict), result
    return result


def test_each_answer_is_scored_on_the_share_of_tests_it_passes() -> None:
    answers = [fenced("python", "print(2 * int(input()))\n"),
               fenced("python", "n = int(input())\nprint(n + 2)\n"),  # right for n = 2 only
               fenced("cpp", "#include <cstdio>\nint main() { int n; scanf(\"%d\", &n); printf(\"%d\\n\", 2 * n); }\n"),
               "No idea."]
    row = scored(STDIN, answers)
    assert row["pass_rates"] == [1.0, 0.25, 1.0, 0.0]
    assert row["pass_rate"] == pytest.approx(2.25 / 4) and row["answers_without_code"] == 1
    assert row["id"] == "pr-double", "the input columns pass through"


def test_call_mode_answers_go_through_the_harness_and_other_languages_score_zero() -> None:
    answers = [fenced("python", "def longest(words):\n    return max(map(len, words))\n"),
               fenced("python", "class Solution:\n    def longest(self, words):\n        return len(words[0])\n"),
               fenced("cpp", "int longest() { return 3; }\n")]
    row = scored(CALL, answers)
    assert row["pass_rates"] == [1.0, 0.5, 0.0] and row["answers_without_code"] == 1


def test_a_row_without_answers_is_dropped() -> None:
    assert PassRate(name="pass_rate").transform({**problem_row(STDIN, None), "solution_answers": []}) == Dropped(
        "pass rate: no answers")


class BrokenJudgePassRate(PassRate):
    @cached_property
    def _judge_config(self) -> judge.JudgeConfig:
        return judge.JudgeConfig.build(workers=1, inject_fault="read_stdout")


def test_a_judge_fault_fails_the_row_instead_of_scoring_it() -> None:
    with pytest.raises(JudgeFault, match=r"problem pr-double: the judge failed on some runs \(InternalError x4\)"):
        scored(STDIN, [fenced("python", "print(2 * int(input()))\n")], BrokenJudgePassRate(name="pass_rate"))


def test_a_row_that_is_not_a_problem_fails_naming_the_field() -> None:
    with pytest.raises(ValueError, match="tests"):
        PassRate(name="pass_rate").transform({**problem_row(STDIN, None), "tests": [], "solution_answers": ["x"]})
