"""CodeContests rows: test origins, proto enums, languages mapped (Python 2 left out), limits."""

from __future__ import annotations

import pytest

from pysynth.problems.code_contests import DIFFICULTIES
from pysynth.problems.languages import code_contests_language
from tests.problems.support import assert_drops, load_fixture, only_problem


def test_a_code_contests_problem_is_read_field_by_field() -> None:
    problem = only_problem(load_fixture("code_contests.jsonl", "code_contests"), "1999_A. Double It")
    assert problem.source == "code_contests"
    assert problem.statement.startswith("Given an integer n, print 2n.")
    assert problem.starter_code == ""
    assert (problem.difficulty, problem.rating, problem.platform) == ("A", 800, "codeforces")
    assert problem.date is None
    assert (problem.time_limit, problem.memory_limit) == (1.5, 256 << 20)
    assert (problem.mode, problem.fn_name) == ("stdin", None)
    assert [(test.input, test.expected, test.origin) for test in problem.tests] == [
        ("3\n", "6\n", "public"), ("10\n", "20\n", "private"), ("0\n", "0\n", "private"), ("-4\n", "-8\n", "generated")]
    # the Python 2 program (enum 1) is left out: pysynth runs Python 3 only
    assert [solution.language for solution in problem.solutions] == ["python", "cpp", "java"]
    assert problem.solutions[0].source == "print(2 * int(input()))\n"
    assert "public class Main" in problem.solutions[2].source
    assert [(s.language, s.source) for s in problem.incorrect_solutions] == [("python", "print(int(input()) + 2)\n")]


def test_unrated_unknown_and_zero_values_are_none() -> None:
    problem = only_problem(load_fixture("code_contests.jsonl", "code_contests"), "SORTLET")
    assert (problem.difficulty, problem.rating, problem.platform) == (None, None, "codechef")
    assert (problem.time_limit, problem.memory_limit) == (None, None)
    assert [test.origin for test in problem.tests] == ["public", "private"]
    assert problem.incorrect_solutions == ()


def test_difficulty_names_follow_the_proto_which_skips_18() -> None:
    assert (DIFFICULTIES[7], DIFFICULTIES[17], DIFFICULTIES[19], DIFFICULTIES[29]) == ("A", "K", "L", "V")
    assert 18 not in DIFFICULTIES


@pytest.mark.parametrize(("value", "language"), [
    (3, "python"), ("PYTHON3", "python"), (2, "cpp"), ("CPP", "cpp"), (4, "java"), ("JAVA", "java"),
    (1, None), ("PYTHON", None), (0, None)])
def test_languages_map_by_enum_number_or_name(value: object, language: str | None) -> None:
    assert code_contests_language(value) == language


def test_every_malformed_code_contests_row_is_dropped_naming_row_and_field() -> None:
    assert_drops(load_fixture("malformed_code_contests.jsonl", "code_contests"), [
        (1, "description"), (2, "public_tests"), (3, "solutions"), (4, "difficulty"), (5, "time_limit"),
        (6, "input_file"), (7, "tests"), (8, "private_tests")])
