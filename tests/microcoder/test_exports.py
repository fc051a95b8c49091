"""MicroCoder's export rows: the RL tests column reads back, through the reward's own reader, as the
problem's tests (call mode included), `pysynth.code_reward` scores a correct program 1.0 and a wrong
one less on it, and SFT rows are trl's conversational prompt-completion pairs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pysynth import code_reward, judge
from pysynth.microcoder.exports import fenced, rl_row, sft_row
from pysynth.problems import Problem, ReferenceSolution, TestCase, load_problems
from pysynth.rewards import row_tests

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "problems.jsonl"


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    return {problem.id: problem for problem in load_problems(FIXTURE, "jsonl").problems}


def call_problem(*arguments: object, expected: object = 1) -> Problem:
    test = TestCase(input=json.dumps(list(arguments)), expected=json.dumps(expected), origin="public")
    return Problem(id="c", source="fixture", statement="s", mode="call", fn_name="f", tests=(test,))


def test_stdin_tests_are_livecodebench_stdin_cases(problems: dict[str, Problem]) -> None:
    row = rl_row(problems["mc-sum"], "PROMPT", {})
    assert json.loads(row["tests"])[0] == {"input": "1 2\n", "output": "3\n", "testtype": "stdin"}
    assert (row["id"], row["source"], row["prompt"], row["fn_name"], row["comparator"]) == \
        ("mc-sum", "fixture", "PROMPT", None, "tokens")


def test_call_tests_hold_one_json_argument_a_line(problems: dict[str, Problem]) -> None:
    row = rl_row(problems["mc-scale"], "PROMPT", {})
    assert json.loads(row["tests"])[0] == {"input": "[1, 2]\n3", "output": "[3, 6]", "testtype": "functional"}
    assert (row["fn_name"], row["comparator"]) == ("scale", "call")


@pytest.mark.parametrize("arguments", [(), ("two\nlines",), ([[1, 2], [3]], {"k": None}, 2.5, "")],
                         ids=["no arguments", "a string with a newline", "nested values"])
def test_the_rewards_reader_reads_back_the_problems_own_tests(arguments: tuple[object, ...]) -> None:
    problem = call_problem(*arguments)
    row = rl_row(problem, "p", {})
    read = row_tests(row["tests"], row=0, column="tests", fn_name=row["fn_name"])
    assert read.fn_name == "f"
    assert [(json.loads(str(test.input)), json.loads(str(test.expected))) for test in read.tests] == \
        [(json.loads(test.input), json.loads(test.expected)) for test in problem.tests]


def test_the_selection_columns_the_row_has_are_carried(problems: dict[str, Problem]) -> None:
    row = rl_row(problems["mc-sum"], "p", {"date": "2025-03-01", "predicted_difficulty": 0.7, "other": 1})
    assert row["date"] == "2025-03-01" and row["predicted_difficulty"] == 0.7
    assert "other" not in row and "calibrated_pass_rate" not in row


def test_sft_rows_are_trl_prompt_completion_pairs_with_a_fenced_program() -> None:
    answer = fenced(ReferenceSolution(language="python", source="print(1)\n\n"))
    assert answer == "```python\nprint(1)\n```"
    assert sft_row("x", "fixture", "Solve it.", answer) == {
        "id": "x", "source": "fixture", "prompt": [{"role": "user", "content": "Solve it."}],
        "completion": [{"role": "assistant", "content": "```python\nprint(1)\n```"}]}


def test_a_program_with_a_fence_line_is_not_fenced() -> None:
    assert fenced(ReferenceSolution(language="python", source='DOC = """\n```\n"""\nprint(DOC)\n')) is None


@pytest.fixture(scope="module")
def pool() -> Iterator[judge.Pool]:
    with judge.Pool(workers=2) as warm:
        yield warm


@pytest.mark.parametrize(("problem_id", "wrong"), [
    ("mc-sum", "a, b = map(int, input().split())\nprint(a - b)\n"),
    ("mc-scale", "class Solution:\n    def scale(self, nums, k):\n        return nums\n"),
])
def test_code_reward_scores_against_the_exported_tests(problem_id: str, wrong: str, problems: dict[str, Problem],
                                                        pool: judge.Pool) -> None:
    problem = problems[problem_id]
    row = rl_row(problem, "p", {})
    right = next(solution for solution in problem.solutions if solution.language == "python")
    completions = [f"Here it is.\n{fenced(right)}\n", f"```python\n{wrong}```\n"]
    scores = code_reward(pool=pool)(completions, tests=[row["tests"]] * 2, fn_name=[row["fn_name"]] * 2)
    assert scores[0] == 1.0, f"{problem_id}: the reference scores {scores[0]} on its own export"
    assert scores[1] < 1.0, f"{problem_id}: a wrong program scores {scores[1]}"
