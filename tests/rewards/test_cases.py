"""pysynth.rewards.cases: a row's tests from pysynth's RL layout and LiveCodeBench's, and the one
line a malformed value raises (row and column first)."""

from __future__ import annotations

import json

import pytest

from pysynth import judge as J
from pysynth.errors import InputError
from pysynth.rewards.cases import RowTests, row_tests

RL_TESTS = [{"input": "2\n", "output": "4\n"}, {"input": "3\n", "output": "6\n"}]


def test_pysynth_rl_export_tests_are_stdin_tests() -> None:
    assert row_tests(RL_TESTS, row=0, column="tests") == RowTests((J.Test("2\n", "4\n"), J.Test("3\n", "6\n")))


def test_livecodebench_json_text_with_testtype_stdin_is_read_the_same() -> None:
    text = json.dumps([{**test, "testtype": "stdin"} for test in RL_TESTS])
    assert row_tests(text, row=0, column="public_test_cases") == row_tests(RL_TESTS, row=0, column="tests")


def test_functional_tests_become_call_mode_json_with_the_name_from_metadata() -> None:
    cases = json.dumps([{"input": "[2, 7, 11, 15]\n9", "output": "[0, 1]", "testtype": "functional"}])
    found = row_tests(cases, row=0, column="tests", metadata=json.dumps({"func_name": "twoSum"}))
    assert found == RowTests((J.Test("[[2, 7, 11, 15], 9]", "[0, 1]"),), "twoSum")


def test_an_fn_name_column_names_the_function_before_metadata() -> None:
    cases = [{"input": "38", "output": "2", "testtype": "functional"}]
    found = row_tests(cases, row=0, column="tests", fn_name="addDigits", metadata={"func_name": "other"})
    assert found.fn_name == "addDigits"


def test_max_tests_keeps_the_first_tests() -> None:
    assert row_tests(RL_TESTS, row=0, column="tests", max_tests=1).tests == (J.Test("2\n", "4\n"),)


MALFORMED = {
    "not JSON": ("[{", "not JSON"),
    "null": (None, "missing"),
    "an object": ({"input": "1"}, "expected a list of tests, got dict"),
    "empty": ([], "no tests"),
    "a test that is text": (["1 2"], "test 0 is str, not an object"),
    "no output": ([{"input": "1\n"}], "test 0: input and output must be text"),
    "a number as input": ([{"input": 1, "output": "2"}], "test 0: input and output must be text"),
    "unknown testtype": ([{"input": "1", "output": "2", "testtype": "checker"}], "testtype 'checker'"),
    "mixed": ([{"input": "1", "output": "2", "testtype": "stdin"},
               {"input": "1", "output": "2", "testtype": "functional"}], "mixes stdin and functional"),
    "functional without a name": ([{"input": "1", "output": "2", "testtype": "functional"}], "fn_name column"),
    "functional output not JSON": ([{"input": "1", "output": "two", "testtype": "functional"}],
                                   "test 0: the output is not JSON"),
}


@pytest.mark.parametrize("value, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_value_raises_one_line_naming_row_and_column(value: object, message: str) -> None:
    fn_name = "f" if "the output is not JSON" in message else None
    with pytest.raises(InputError) as raised:
        row_tests(value, row=3, column="tests", fn_name=fn_name)
    text = str(raised.value)
    assert text.startswith("row 3: tests: ") and message in text and "\n" not in text, text
