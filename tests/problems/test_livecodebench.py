"""LiveCodeBench rows: stdin and functional tests, the encoded private tests, and the pickle that must not run."""

from __future__ import annotations

import base64
import json
import os
import pickle
import pickletools
import zlib
from pathlib import Path

from pysynth.problems import load_problems
from tests.problems.support import FIXTURES, assert_drops, assert_names_row_and_field, load_fixture, only_problem


def test_a_stdin_problem_with_encoded_private_tests_is_read_field_by_field() -> None:
    problem = only_problem(load_fixture("livecodebench.jsonl", "livecodebench"), "abc900_a")
    assert problem.source == "livecodebench"
    assert problem.statement.startswith("You are given a string S of lowercase English letters.")
    assert (problem.platform, problem.difficulty, str(problem.date)) == ("atcoder", "easy", "2024-08-03")
    assert (problem.mode, problem.fn_name, problem.starter_code) == ("stdin", None, "")
    assert [(test.input, test.expected, test.origin) for test in problem.tests] == [
        ("hello\n", "2\n", "public"), ("rhythm\n", "0\n", "private"), ("aeiou\n", "5\n", "private")]
    assert problem.solutions == () and problem.time_limit is None and problem.rating is None


def test_a_functional_problem_gets_one_json_list_of_arguments_per_test() -> None:
    problem = only_problem(load_fixture("livecodebench.jsonl", "livecodebench"), "9001")
    assert (problem.mode, problem.fn_name, problem.platform) == ("call", "twoSum", "leetcode")
    assert problem.starter_code.startswith("class Solution:\n    def twoSum(self, nums: List[int], target: int)")
    assert [(json.loads(test.input), json.loads(test.expected), test.origin) for test in problem.tests] == [
        ([[2, 7, 11, 15], 9], [0, 1], "public"), ([[3, 2, 4], 6], [1, 2], "private"), ([[3, 3], 6], [0, 1], "private")]


def test_private_tests_given_as_plain_json_are_read_too() -> None:
    problem = only_problem(load_fixture("livecodebench.jsonl", "livecodebench"), "9002")
    assert [(json.loads(test.input), json.loads(test.expected)) for test in problem.tests] == [
        ([38], 2), ([0], 0), ([9999], 9)]


def test_every_malformed_livecodebench_row_is_dropped_naming_row_and_field() -> None:
    assert_drops(load_fixture("malformed_livecodebench.jsonl", "livecodebench"), [
        (1, "private_test_cases"), (2, "private_test_cases"), (3, "private_test_cases"), (4, "public_test_cases"),
        (5, "metadata"), (6, "public_test_cases"), (7, "public_test_cases"), (8, "metadata"), (9, "contest_date"),
        (10, "question_id")])


class RunsAShellCommand:
    """What a hostile dataset could pickle: unpickling it calls os.system."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (self.command,)


def encoded(value: object) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(value))).decode()


def test_a_pickle_that_would_run_code_drops_its_row_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(RunsAShellCommand(f"touch {marker}"))
    assert "REDUCE" in {opcode.name for opcode, _, _ in pickletools.genops(payload)}, "the payload must call"
    good = json.loads((FIXTURES / "livecodebench.jsonl").read_text().splitlines()[0])
    hostile = [{**good, "question_id": "x1", "private_test_cases": encoded(RunsAShellCommand(f"touch {marker}"))},
               {**good, "question_id": "x2", "private_test_cases": encoded([RunsAShellCommand(f"touch {marker}")])}]
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in [good, *hostile]))

    problems = load_problems(path, "livecodebench")

    assert not marker.exists(), "unpickling ran the payload's os.system"
    assert [problem.id for problem in problems.problems] == ["abc900_a"]
    assert [(dropped.row, dropped.field) for dropped in problems.dropped] == [
        (1, "private_test_cases"), (2, "private_test_cases")]
    for dropped in problems.dropped:
        assert_names_row_and_field(dropped)
        assert "refusing to load" in dropped.reason and "system" in dropped.reason, dropped.reason
