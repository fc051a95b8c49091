"""TACO and APPS rows (one layout): stdin and call-based problems, wrapped outputs kept, limits parsed."""

from __future__ import annotations

import datetime
import json

from tests.problems.support import assert_drops, load_fixture, only_problem


def test_a_taco_stdin_problem_is_read_field_by_field() -> None:
    problem = only_problem(load_fixture("taco.jsonl", "taco"), "taco-0")
    assert problem.source == "taco"
    assert problem.statement.startswith("Given two integers a and b, print their sum.")
    assert problem.starter_code == ""
    assert problem.difficulty == "EASY"
    assert problem.rating is None
    assert problem.date == datetime.date(2021, 3, 14)
    assert problem.platform == "codeforces"
    assert problem.time_limit == 1.0
    assert problem.memory_limit == 256 * 1024 * 1024
    assert (problem.mode, problem.fn_name) == ("stdin", None)
    assert [(test.input, test.expected, test.origin) for test in problem.tests] == [
        ("2 3\n", "5\n", "private"), ("-7 4\n", "-3\n", "private"), ("1000 1000\n", "2000\n", "private")]
    assert [solution.language for solution in problem.solutions] == ["python", "python"]
    assert problem.solutions[0].source == "a, b = map(int, input().split())\nprint(a + b)\n"
    assert problem.incorrect_solutions == ()


def test_a_taco_call_based_problem_keeps_its_wrapped_outputs() -> None:
    problem = only_problem(load_fixture("taco.jsonl", "taco"), "taco-1")
    assert (problem.mode, problem.fn_name) == ("call", "reverse_words")
    assert problem.starter_code == "def reverse_words(sentence):\n\t"
    assert [json.loads(test.input) for test in problem.tests] == [["hello world"], ["a b c"], ["single"]]
    # the dataset's one-element list stays: the comparator accepts out == exp or out == exp[0]
    assert [json.loads(test.expected) for test in problem.tests] == [["world hello"], ["c b a"], ["single"]]
    assert (problem.time_limit, problem.memory_limit, problem.date) == (None, None, None)


def test_a_taco_output_given_as_lines_is_joined_with_newlines() -> None:
    problem = only_problem(load_fixture("taco.jsonl", "taco"), "taco-2")
    assert [test.expected for test in problem.tests] == ["1\n2\n3", "1"]
    assert (problem.time_limit, problem.memory_limit) == (2.0, 1024 << 20)


def test_apps_rows_use_their_problem_id_and_label() -> None:
    problems = load_fixture("apps.jsonl", "apps")
    assert [problem.id for problem in problems.problems] == ["4001", "4002"]
    stdin, call = problems.problems
    assert (stdin.source, stdin.difficulty, stdin.mode, stdin.platform) == ("apps", "introductory", "stdin", None)
    assert stdin.tests[0].input == "5\n3 1 4 1 5\n" and stdin.tests[0].expected == "5\n"
    assert (call.mode, call.fn_name, call.difficulty) == ("call", "is_palindrome", "interview")
    assert [json.loads(test.expected) for test in call.tests] == [[True], [False], [True]]
    assert json.loads(call.tests[2].input) == [""]


def test_every_malformed_taco_row_is_dropped_naming_row_and_field() -> None:
    assert_drops(load_fixture("malformed_taco.jsonl", "taco"), [
        (1, "(row)"), (2, "(row)"), (3, "question"), (4, "input_output"), (5, "input_output"),
        (6, "input_output"), (7, "input_output"), (8, "input_output"), (9, "solutions"), (10, "time_limit"),
        (11, "memory_limit"), (12, "date"),
    ])


def test_every_malformed_apps_row_is_dropped_naming_row_and_field() -> None:
    assert_drops(load_fixture("malformed_apps.jsonl", "apps"), [
        (1, "solutions"), (2, "problem_id"), (3, "input_output"), (4, "question")])


def test_the_reasons_say_what_is_wrong() -> None:
    reasons = [dropped.reason for dropped in load_fixture("malformed_taco.jsonl", "taco").dropped]
    assert reasons[4] == "row 5: input_output: 2 inputs but 1 outputs"
    assert reasons[6] == "row 7: input_output: test 0: a call-based input must be the list of arguments, got str"
    assert reasons[9] == "row 10: time_limit: cannot read 'fast' as a time (e.g. '2 seconds')"
