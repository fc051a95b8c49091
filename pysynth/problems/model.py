"""A programming problem with its tests and reference solutions, in one shape for every dataset.

Tests are text in both modes, so a problem is one JSON object whatever its arguments' types:
- `stdin`: `TestCase.input` is what the program reads, `expected` what it should print.
- `call`: the program defines `fn_name` (a function, or a method of LeetCode's `class Solution`).
  `input` is the JSON text (`json.dumps`) of the list of positional arguments, and `expected` the
  JSON text of the return value as the dataset gives it. TACO and APPS often wrap the value in a
  one-element list; it is kept wrapped, because their rule, which the comparator applies, accepts
  `out == expected or out == expected[0]`.

The JSON lines format of pysynth (`format: jsonl`) is `Problem.to_json()`, one problem a line.
"""

from __future__ import annotations

import datetime
import json
from typing import Literal, Self

from pydantic import Field, ValidationInfo, field_validator

from pysynth.config import FrozenConfig
from pysynth.problems.languages import Language

TestOrigin = Literal["public", "private", "generated"]
"""public: shown in the statement; private: the judge's hidden tests; generated: made by mutation."""
Mode = Literal["stdin", "call"]

ORIGIN_ORDER: dict[TestOrigin, int] = {"public": 0, "private": 1, "generated": 2}


class TestCase(FrozenConfig):
    __test__ = False  # a model, not a pytest test class

    input: str
    expected: str
    origin: TestOrigin


class ReferenceSolution(FrozenConfig):
    language: Language
    source: str = Field(min_length=1)


class Problem(FrozenConfig):
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    """The dataset: taco, apps, code_contests, livecodebench, or what a jsonl file says."""
    statement: str = Field(min_length=1)
    starter_code: str = ""
    difficulty: str | None = None
    """The dataset's own label (TACO's EASY ... VERY_HARD, APPS's interview, LCB's easy/medium/hard)."""
    rating: int | None = None
    """A Codeforces-style rating (CodeContests' cf_rating); None when unrated."""
    date: datetime.date | None = None
    platform: str | None = None
    """Where the problem was first set: codeforces, atcoder, leetcode, ..."""
    time_limit: float | None = Field(default=None, gt=0)
    """Seconds."""
    memory_limit: int | None = Field(default=None, gt=0)
    """Bytes."""
    mode: Mode
    fn_name: str | None = Field(default=None, validate_default=True)
    """The function or `Solution` method a call-mode program defines; None in stdin mode."""
    tests: tuple[TestCase, ...] = Field(min_length=1)
    solutions: tuple[ReferenceSolution, ...] = ()
    incorrect_solutions: tuple[ReferenceSolution, ...] = ()

    # Field validators (not one model validator) so an error names the field: `mode` is declared
    # before `fn_name` and `tests`, so it is in `info.data` when they are checked.
    @field_validator("fn_name")
    @classmethod
    def _fn_name_iff_call_mode(cls, fn_name: str | None, info: ValidationInfo) -> str | None:
        mode = info.data.get("mode")
        if mode == "call" and not fn_name:
            raise ValueError("mode 'call' needs fn_name, the function the program defines")
        if mode == "stdin" and fn_name is not None:
            raise ValueError(f"{fn_name!r} is set, but mode is 'stdin' (a function needs mode 'call')")
        return fn_name

    @field_validator("tests")
    @classmethod
    def _call_tests_hold_json(cls, tests: tuple[TestCase, ...], info: ValidationInfo) -> tuple[TestCase, ...]:
        if info.data.get("mode") == "call":
            for index, test in enumerate(tests):
                check_call_test(test, index)
        return tests

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Raises pydantic's `ValidationError` (a `ValueError`) naming the bad field."""
        return cls.model_validate_json(text)

    def public_first_tests(self, limit: int | None = None) -> tuple[TestCase, ...]:
        """The tests, public ones first then private then generated (each in dataset order), at most `limit`."""
        ordered = tuple(sorted(self.tests, key=lambda test: ORIGIN_ORDER[test.origin]))
        return ordered if limit is None else ordered[:limit]


def check_call_test(test: TestCase, index: int) -> None:
    """A call-mode test holds JSON: a list of arguments in `input`, any value in `expected`."""
    try:
        arguments = json.loads(test.input)
    except ValueError as error:
        raise ValueError(f"test {index}: input is not JSON ({error}); call mode stores the arguments as JSON") from None
    if not isinstance(arguments, list):
        raise ValueError(f"test {index}: input is a JSON {type(arguments).__name__}, not a list of arguments")
    try:
        json.loads(test.expected)
    except ValueError as error:
        raise ValueError(f"test {index}: expected is not JSON ({error}); call mode stores the value as JSON") from None
