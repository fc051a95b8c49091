"""MicroCoder's processing rules: LiveCodeBench's prompt for both modes, the test cap (public first,
distinct inputs, the rest spread over sizes, deterministic), and references kept per language."""

from __future__ import annotations

import json

import pytest

from pysynth.microcoder.normalize import (
    ANSWER_SECTION,
    FORMATTING_MESSAGE_WITH_STARTER_CODE,
    FORMATTING_WITHOUT_STARTER_CODE,
    keep_references,
    normalize_problem,
    select_tests,
    starter_code_for,
)
from pysynth.problems import Problem, ReferenceSolution, TestCase, TestOrigin


def make_test(text: str, origin: TestOrigin = "private") -> TestCase:
    return TestCase(input=text, expected="0\n", origin=origin)


def stdin_problem(**fields: object) -> Problem:
    values: dict[str, object] = {"id": "p1", "source": "taco", "statement": "Print the answer.", "mode": "stdin",
                                 "tests": (make_test("1\n"),)}
    return Problem.model_validate({**values, **fields})


def call_problem(arguments: list[list[object]], starter_code: str = "") -> Problem:
    tests = tuple(TestCase(input=json.dumps(args), expected="[0]", origin="private") for args in arguments)
    return Problem(id="c1", source="taco", statement="Write f.", mode="call", fn_name="calm", tests=tests,
                   starter_code=starter_code)


def inputs(tests: tuple[TestCase, ...]) -> list[str]:
    return [test.input for test in tests]


# --- prompts ---------------------------------------------------------------------------------------

def test_a_stdin_prompt_is_livecodebench_template_with_the_stdin_wording() -> None:
    done = normalize_problem(stdin_problem(statement="Print the sum of a and b."))
    assert done.prompt == ("### Question:\nPrint the sum of a and b.\n\n"
                           f"### Format: {FORMATTING_WITHOUT_STARTER_CODE}\n```python\n# YOUR CODE HERE\n```\n\n"
                           "### Answer: (use the provided format with backticks)\n\n")
    assert done.prompt.endswith(done.format_instruction)
    assert FORMATTING_WITHOUT_STARTER_CODE.startswith("Read the inputs from stdin solve the problem")


def test_a_stdin_problem_with_starter_code_still_gets_the_stdin_wording() -> None:
    done = normalize_problem(stdin_problem(starter_code="def main():\n    pass\n"))
    assert FORMATTING_WITHOUT_STARTER_CODE in done.prompt and "def main" not in done.prompt


def test_a_call_prompt_shows_the_dataset_starter_code() -> None:
    starter = "class Solution:\n    def calm(self, readings: List[int]) -> int:\n        "
    done = normalize_problem(call_problem([[[1, 2]]], starter_code=starter))
    assert done.format_instruction == (f"### Format: {FORMATTING_MESSAGE_WITH_STARTER_CODE}\n```python\n"
                                       "class Solution:\n    def calm(self, readings: List[int]) -> int:\n```\n\n"
                                       + ANSWER_SECTION), "starter code is shown without its trailing blanks"
    assert done.prompt == "### Question:\nWrite f.\n\n" + done.format_instruction


def test_a_call_problem_without_starter_code_gets_one_from_fn_name_and_the_argument_count() -> None:
    assert starter_code_for(call_problem([[[1, 2], 3], [[], 0]])) == "def calm(arg1, arg2):\n    pass"
    assert starter_code_for(call_problem([[]])) == "def calm():\n    pass"
    assert "```python\ndef calm(arg1, arg2):\n    pass\n```" in normalize_problem(call_problem([[[1], 2]])).prompt


def test_arguments_counts_that_differ_between_tests_give_varargs() -> None:
    assert starter_code_for(call_problem([[1], [1, 2]])) == "def calm(*args):\n    pass"


# --- tests -----------------------------------------------------------------------------------------

def test_every_test_is_kept_under_the_cap_in_public_first_order() -> None:
    tests = (make_test("b"), make_test("a", "public"), make_test("c", "generated"), make_test("d"))
    assert inputs(select_tests(tests, 10)) == ["a", "b", "d", "c"]


def test_public_tests_come_first_and_over_the_cap_in_dataset_order() -> None:
    tests = tuple(make_test(f"{i}" * (i + 1), "public") for i in range(5)) + (make_test("xxxxxxxxxxxxxxxx"),)
    assert inputs(select_tests(tests, 3)) == ["0", "11", "222"], "the first public tests, not the longest"


def test_a_repeated_input_is_never_kept_twice_the_public_copy_wins() -> None:
    tests = (make_test("same"), make_test("other"), make_test("same", "public"), make_test("same", "generated"))
    kept = select_tests(tests, 10)
    assert [(t.input, t.origin) for t in kept] == [("same", "public"), ("other", "private")]


def test_private_tests_fill_the_room_before_generated_ones() -> None:
    tests = (make_test("g1", "generated"), make_test("p1"), make_test("p2"), make_test("pub", "public"))
    assert inputs(select_tests(tests, 3)) == ["pub", "p1", "p2"]


def test_tests_over_the_cap_are_spread_over_sizes_from_the_largest_to_the_smallest() -> None:
    # Nine private tests of lengths 1..9 in a shuffled dataset order; four slots: ranks 0, 2, 5, 8 of
    # the longest-first ranking (k * 8 // 3), i.e. lengths 9, 7, 4 and 1, returned in dataset order.
    lengths = [4, 9, 1, 6, 2, 8, 5, 3, 7]
    tests = tuple(make_test("x" * length) for length in lengths)
    kept = select_tests(tests, 4)
    assert [len(text) for text in inputs(kept)] == [4, 9, 1, 7]


def test_one_slot_left_takes_the_largest_input_and_ties_go_to_dataset_order() -> None:
    tests = (make_test("aa"), make_test("bbb"), make_test("ccc"), make_test("p", "public"))
    assert inputs(select_tests(tests, 2)) == ["p", "bbb"]


def test_selection_is_deterministic() -> None:
    tests = tuple(make_test(str(10 ** (i % 7) + i)) for i in range(40))
    assert select_tests(tests, 9) == select_tests(tests, 9)
    assert len(select_tests(tests, 9)) == 9


def test_normalize_counts_the_tests_it_drops_and_a_cap_below_one_is_an_error() -> None:
    problem = stdin_problem(tests=tuple(make_test(f"{i}\n") for i in range(7)))
    done = normalize_problem(problem, max_tests=3)
    assert len(done.problem.tests) == 3 and done.tests_dropped == 4
    with pytest.raises(ValueError, match="max_tests must be at least 1"):
        select_tests(problem.tests, 0)


# --- references ------------------------------------------------------------------------------------

PY1, PY2, PY3 = (ReferenceSolution(language="python", source=f"print({i})") for i in range(3))
CPP = ReferenceSolution(language="cpp", source="int main() {}")
JAVA = ReferenceSolution(language="java", source="class Main {}")


def test_references_are_filtered_by_language_and_capped_per_language_in_dataset_order() -> None:
    problem = stdin_problem(solutions=(JAVA, PY1, CPP, PY2, PY3))
    assert keep_references(problem.solutions, problem, ["python", "cpp"], 2) == (PY1, CPP, PY2)
    assert keep_references(problem.solutions, problem, ["java"], 5) == (JAVA,)


def test_call_problems_keep_python_references_only() -> None:
    problem = call_problem([[1]]).model_copy(update={"solutions": (CPP, PY1)})
    assert keep_references(problem.solutions, problem, ["python", "cpp"], 3) == (PY1,)
    assert keep_references(problem.solutions, problem, ["cpp"], 3) == ()


def test_a_problem_left_without_references_is_kept_and_the_drops_are_counted() -> None:
    problem = stdin_problem(solutions=(JAVA,), incorrect_solutions=(JAVA, PY1))
    done = normalize_problem(problem, languages=["python"])
    assert done.problem.solutions == () and done.problem.incorrect_solutions == (PY1,)
    assert done.references_dropped == 2
