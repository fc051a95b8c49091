"""pysynth's own JSON lines: exactly `Problem.to_json()` per line, read back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from pysynth.problems import load_problems
from tests.problems.support import FIXTURES, assert_drops, load_fixture, only_problem


def test_a_jsonl_problem_is_read_field_by_field() -> None:
    problem = only_problem(load_fixture("jsonl.jsonl", "jsonl"), "pysynth-two-sum")
    assert (problem.source, problem.difficulty, str(problem.date)) == ("pysynth-demo", "easy", "2025-01-20")
    assert (problem.mode, problem.fn_name) == ("call", "twoSum")
    assert (problem.time_limit, problem.memory_limit) == (2.0, 256 << 20)
    assert [(test.input, test.expected, test.origin) for test in problem.tests] == [
        ("[[2, 7, 11, 15], 9]", "[0, 1]", "public"), ("[[1, 5, 3, 8], 11]", "[2, 3]", "private")]
    assert [solution.language for solution in problem.solutions] == ["python"]
    assert len(problem.incorrect_solutions) == 1


def test_problems_written_with_to_json_load_back_equal(tmp_path: Path) -> None:
    originals = [problem for name in ("taco", "apps", "code_contests", "livecodebench")
                 for problem in load_fixture(f"{name}.jsonl", name).problems]
    path = tmp_path / "problems.jsonl"
    path.write_text("".join(problem.to_json() + "\n" for problem in originals))
    again = load_problems(path, "jsonl")
    assert again.dropped == ()
    assert again.problems == tuple(originals)


def test_the_fixture_is_what_to_json_writes() -> None:
    lines = (FIXTURES / "jsonl.jsonl").read_text().splitlines()
    problems = load_fixture("jsonl.jsonl", "jsonl").problems
    assert [problem.model_dump(mode="json") for problem in problems] == [json.loads(line) for line in lines]


def test_every_malformed_jsonl_row_is_dropped_naming_row_and_field() -> None:
    assert_drops(load_fixture("malformed_jsonl.jsonl", "jsonl"), [
        (1, "fn_name"), (2, "colour"), (3, "tests"), (4, "tests"), (5, "solutions.0.language"), (6, "tests.0.origin"),
        (7, "time_limit"), (8, "fn_name")])
