"""The Problem model: call mode's JSON test encoding, the fn_name rule, JSON round trip, test order."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from pydantic import ValidationError

from pysynth.problems import Problem, ReferenceSolution, TestCase


def call_problem(**changes: Any) -> Problem:
    values: dict[str, Any] = {
        "id": "add", "source": "unit", "statement": "Return a + b.", "mode": "call", "fn_name": "add",
        "tests": [{"input": json.dumps([1, 2]), "expected": json.dumps(3), "origin": "public"}],
        **changes,
    }
    return Problem.model_validate(values)


def test_a_call_mode_test_holds_the_json_list_of_arguments_and_the_json_value() -> None:
    problem = call_problem()
    assert json.loads(problem.tests[0].input) == [1, 2]
    assert json.loads(problem.tests[0].expected) == 3


@pytest.mark.parametrize(("changes", "message"), [
    ({"fn_name": None}, "mode 'call' needs fn_name"),
    ({"mode": "stdin"}, "'add' is set, but mode is 'stdin'"),
    ({"tests": [{"input": "1 2", "expected": "3", "origin": "public"}]}, "test 0: input is not JSON"),
    ({"tests": [{"input": '{"a": 1}', "expected": "3", "origin": "public"}]}, "not a list of arguments"),
    ({"tests": [{"input": "[1]", "expected": "three", "origin": "public"}]}, "test 0: expected is not JSON"),
    ({"tests": []}, "at least 1 item"),
    ({"colour": "blue"}, "Extra inputs are not permitted"),
])
def test_an_inconsistent_problem_is_rejected_naming_the_mistake(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        call_problem(**changes)


def test_stdin_tests_are_raw_text() -> None:
    problem = Problem(id="echo", source="unit", statement="Echo.", mode="stdin",
                      tests=(TestCase(input="not json\n", expected="not json\n", origin="private"),))
    assert problem.fn_name is None and problem.tests[0].input == "not json\n"


def test_to_json_and_from_json_round_trip_every_field() -> None:
    problem = call_problem(starter_code="def add(a, b):\n    ", difficulty="EASY", rating=800,
                           date=datetime.date(2024, 2, 29), platform="codewars", time_limit=1.5,
                           memory_limit=256 << 20,
                           solutions=[ReferenceSolution(language="python",
                                                        source="def add(a, b):\n    return a + b\n")],
                           incorrect_solutions=[{"language": "cpp", "source": "int add(int a, int b) { return a; }"}])
    text = problem.to_json()
    assert text == problem.model_dump_json()
    assert Problem.from_json(text) == problem
    assert json.loads(text)["date"] == "2024-02-29"


def test_problems_are_frozen() -> None:
    problem = call_problem()
    with pytest.raises(ValidationError, match="frozen"):
        problem.id = "other"


def test_public_first_tests_orders_by_origin_keeping_dataset_order_and_caps() -> None:
    def test(name: str, origin: str) -> dict[str, str]:
        return {"input": json.dumps([name]), "expected": "0", "origin": origin}

    problem = call_problem(tests=[test("g1", "generated"), test("p1", "private"), test("u1", "public"),
                                  test("p2", "private"), test("u2", "public")])
    order = [json.loads(item.input)[0] for item in problem.public_first_tests()]
    assert order == ["u1", "u2", "p1", "p2", "g1"]
    assert [json.loads(item.input)[0] for item in problem.public_first_tests(3)] == ["u1", "u2", "p1"]


def test_a_solution_language_is_one_pysynth_runs() -> None:
    with pytest.raises(ValidationError, match="python2"):
        ReferenceSolution(language="python2", source="print 1")  # type: ignore[arg-type]
