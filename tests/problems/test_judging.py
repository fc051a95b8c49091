"""Judging problems the way their datasets' evaluators do, in the sandbox: every reference solution
of every fixture and demo set (Python, C++, Java) passes all its tests, every incorrect one fails
one, and the problem's mode, limits and comparator are the ones used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pysynth import judge
from pysynth.cli import app
from pysynth.problems import Problem, ReferenceSolution, TestCase, load_problems
from pysynth.problems.judging import default_comparator, judge_config_for, judge_problem
from tests.problems.support import FIXTURES

DEMO = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "problems"
FORMATS = ("taco", "apps", "code_contests", "livecodebench", "jsonl")
SETS = [(directory / f"{format}.jsonl", format) for directory in (FIXTURES, DEMO) for format in FORMATS]


@pytest.fixture(scope="module")
def pool() -> judge.Pool:
    with judge.Pool(workers=2) as warm:
        yield warm


@pytest.mark.parametrize(("path", "format"), SETS, ids=[f"{path.parent.name}/{path.name}" for path, _ in SETS])
def test_reference_solutions_pass_and_incorrect_ones_fail(path: Path, format: str, pool: judge.Pool) -> None:
    problems = load_problems(path, format)
    assert problems.dropped == () and problems.problems
    for problem in problems.problems:
        for outcome in judge_problem(problem, pool=pool):
            assert outcome.pass_rate == 1.0, f"{path.name}: {problem.id}: reference {outcome}"
        for outcome in judge_problem(problem, problem.incorrect_solutions, pool=pool):
            assert outcome.pass_rate < 1.0, f"{path.name}: {problem.id}: an incorrect solution passes: {outcome}"


def call_problem(expected: object, source: str = "taco", fn_name: str = "pair") -> Problem:
    return Problem(id="p", source=source, statement="s", mode="call", fn_name=fn_name,
                   tests=(TestCase(input=json.dumps([1, 2]), expected=json.dumps(expected), origin="private"),))


CALL_SOLUTIONS = {
    "function returning a tuple": ("def pair(a, b):\n    return (a, b)\n", "equal"),
    "Solution method": ("class Solution:\n    def pair(self, a: int, b: int) -> List[int]:\n        return [a, b]\n", "equal"),
    "prints are not the answer": ("def pair(a, b):\n    print([9, 9])\n    return [a, b]\n", "equal"),
}


@pytest.mark.parametrize("case", CALL_SOLUTIONS)
def test_call_harness_calls_the_function_and_compares_its_value(case: str, pool: judge.Pool) -> None:
    source, rule = CALL_SOLUTIONS[case]
    [outcome] = judge_problem(call_problem([1, 2]), [ReferenceSolution(language="python", source=source)], pool=pool)
    assert outcome.pass_rate == 1.0 and outcome.accepted_by == {rule: 1}, outcome


def test_call_accepts_tacos_wrapped_outputs_and_rejects_wrong_values(pool: judge.Pool) -> None:
    right = ReferenceSolution(language="python", source="def pair(a, b):\n    return [a, b]\n")
    [wrapped] = judge_problem(call_problem([[1, 2]]), [right], pool=pool)
    assert wrapped.accepted_by == {"first_of_list": 1}, wrapped
    wrong = ReferenceSolution(language="python", source="def pair(a, b):\n    return [b, a]\n")
    [rejected] = judge_problem(call_problem([1, 2]), [wrong], pool=pool)
    assert rejected.verdicts == {"WrongAnswer": 1}, rejected


@pytest.mark.parametrize(("source", "verdict"), [
    ("def pair(a, b):\n    raise ValueError('no')\n", "RuntimeError"),
    ("def other(a, b):\n    return [a, b]\n", "RuntimeError"),
    ("def pair(a, b):\n    while True:\n        pass\n", "TimeLimitExceeded"),
    ("def pair(a, b):\n    return [0] * (1 << 30)\n", "MemoryLimitExceeded"),
    ("def pair(a, b)\n    return 1\n", "RuntimeError"),  # a syntax error surfaces when the harness runs it
])
def test_call_failures_are_verdicts(source: str, verdict: str, pool: judge.Pool) -> None:
    problem = call_problem([1, 2]).model_copy(update={"time_limit": 1.0, "memory_limit": 128 << 20})
    [outcome] = judge_problem(problem, [ReferenceSolution(language="python", source=source)], pool=pool)
    assert outcome.verdicts == {verdict: 1}, outcome


def test_a_solution_cannot_read_the_expected_value() -> None:
    """The harness gets the arguments only: the expected value never enters the sandbox."""
    snoop = "import sys\ndef pair(a, b):\n    return sys.stdin.read() or 'empty stdin'\n"
    [outcome] = judge_problem(call_problem("secret-answer"), [ReferenceSolution(language="python", source=snoop)])
    assert outcome.verdicts == {"WrongAnswer": 1}


def test_call_mode_in_another_language_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="call-mode problems are judged in Python only"):
        judge_problem(call_problem([1, 2]), [ReferenceSolution(language="cpp", source="int main(){}")])


def test_limits_and_comparator_come_from_the_problem() -> None:
    problem = call_problem([1]).model_copy(update={"time_limit": 3.5, "memory_limit": 64 << 20})
    config = judge_config_for(problem)
    assert (config.time_limit, config.memory_limit, config.comparator) == (3.5, 64 << 20, "call")
    stdin = Problem(id="q", source="livecodebench", statement="s", mode="stdin",
                    tests=(TestCase(input="1\n", expected="1\n", origin="public"),))
    assert default_comparator(stdin) == "lcb"
    assert default_comparator(stdin.model_copy(update={"source": "taco"})) == "lenient"
    assert default_comparator(stdin.model_copy(update={"source": "code_contests"})) == "tokens"
    assert judge_config_for(stdin, comparator="exact").comparator == "exact"


def test_lenient_comparison_reports_the_accepting_stage(pool: judge.Pool) -> None:
    problem = Problem(id="t", source="taco", statement="s", mode="stdin",
                      tests=(TestCase(input="", expected="1.0000001\n2\n", origin="private"),))
    source = ReferenceSolution(language="python", source="print('1.0\\n2')")
    [outcome] = judge_problem(problem, [source], pool=pool)
    assert outcome.pass_rate == 1.0 and outcome.accepted_by == {"numeric_close": 1}, outcome


def test_cli_judges_a_problem_file_and_reports_jsonl(tmp_path: Path) -> None:
    solutions = tmp_path / "solutions.jsonl"
    problem = load_problems(FIXTURES / "code_contests.jsonl", "code_contests").problems[0]
    solutions.write_text("\n".join(json.dumps(row) for row in [
        {"problem_id": problem.id, "language": "python", "source": problem.solutions[0].source},
        {"problem_id": problem.id, "language": "python", "source": "print('nonsense')"},
    ]) + "\n")
    result = CliRunner().invoke(app, ["judge", "--problems", str(FIXTURES / "code_contests.jsonl"), "--format",
                                      "code_contests", "--solutions-from", str(solutions), "--workers", "2"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(row["problem_id"], row["pass_rate"]) for row in rows] == [(problem.id, 1.0), (problem.id, 0.0)]
    reference = CliRunner().invoke(app, ["judge", "--problems", str(FIXTURES / "malformed_taco.jsonl"), "--format", "taco"])
    assert reference.exit_code == 0, reference.output
    dropped = [json.loads(line) for line in reference.stdout.splitlines() if '"dropped"' in line]
    assert dropped and all(row["reason"] for row in dropped)


def test_cli_names_a_bad_solutions_file(tmp_path: Path) -> None:
    bad = tmp_path / "solutions.jsonl"
    bad.write_text('{"problem_id": "x", "language": "cobol", "source": "x"}\n')
    result = subprocess.run([sys.executable, "-m", "pysynth.cli", "judge", "--problems", str(FIXTURES / "taco.jsonl"),
                             "--format", "taco", "--solutions-from", str(bad)], capture_output=True, text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith(f"error: {bad}:1: language"), result.stderr
