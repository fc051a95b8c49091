"""A dataset row's tests, as the reward reads them from its columns.

The tests column holds a list of `{"input", "output"}` objects, or the JSON text of one:
- pysynth's RL export (`pysynth.quest.exports.RLRow`): `{"input", "output"}`, stdin tests;
- LiveCodeBench (`public_test_cases`): `{"input", "output", "testtype"}`, testtype `stdin` or
  `functional`, stored as JSON text. A functional test holds one JSON argument a line and a JSON
  return value; it is converted by the LiveCodeBench reader's own rule
  (`pysynth.problems.livecodebench.functional_test`) and judged through the call harness, so a
  reward and `pysynth judge --problems` agree on what passes.
A functional row names its function in the `fn_name` column, or in LiveCodeBench's `metadata`
(JSON text with `func_name`).

A malformed value raises `InputError` naming the row and the column: a training run must stop at
the first bad row of its dataset, not learn from rewards of 0 that no program could have raised.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pysynth import judge
from pysynth.errors import InputError
from pysynth.judge import Comparison
from pysynth.problems.livecodebench import functional_test
from pysynth.problems.rows import RowError

TESTTYPES = ("stdin", "functional")


@dataclass(frozen=True)
class RowTests:
    """One row's tests for the judge; `fn_name` is set for functional (call-mode) tests."""

    tests: tuple[judge.Test, ...]
    fn_name: str | None = None
    comparator: Comparison | None = None
    """The row's own comparator of stdin outputs (a `comparator` column, as MicroCoder's RL export has)."""


def row_tests(value: object, *, row: int, column: str, fn_name: object = None, metadata: object = None,
              max_tests: int | None = None) -> RowTests:
    """The tests of row `row` from its `column` value (and its function name, for functional tests).

    `fn_name` is the row's fn_name column value, `metadata` its metadata column value (None: absent)."""

    def fail(message: str) -> InputError:
        return InputError(f"row {row}: {column}: {message}")

    cases = _decoded(value, fail)
    if not cases:
        raise fail("no tests")
    kinds = set()
    pairs = []
    for index, case in enumerate(cases):
        if not isinstance(case, Mapping):
            raise fail(f"test {index} is {type(case).__name__}, not an object with input and output")
        given, wanted = case.get("input"), case.get("output", case.get("expected"))
        if not isinstance(given, str) or not isinstance(wanted, str):
            got = f"{type(given).__name__} and {type(wanted).__name__}"
            raise fail(f"test {index}: input and output must be text, got {got}")
        kind = case.get("testtype") or "stdin"
        if kind not in TESTTYPES:
            raise fail(f"test {index}: testtype {kind!r} is neither 'stdin' nor 'functional'")
        kinds.add(kind)
        pairs.append((given, wanted))
    if len(kinds) > 1:
        raise fail("mixes stdin and functional tests")
    if max_tests is not None:
        pairs = pairs[:max_tests]
    if kinds == {"stdin"}:
        return RowTests(tuple(judge.Test(given, wanted) for given, wanted in pairs))
    name = _function_name(fn_name, metadata)
    if name is None:
        raise fail("functional tests need the function's name: an fn_name column, or metadata with func_name")
    try:
        converted = [functional_test(given, wanted, column, index) for index, (given, wanted) in enumerate(pairs)]
    except RowError as error:
        raise fail(error.message) from None
    return RowTests(tuple(judge.Test(arguments, result) for arguments, result in converted), name)


def _decoded(value: object, fail: Callable[[str], InputError]) -> Sequence[object]:
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise fail(f"not JSON ({error})") from None
    if value is None:
        raise fail("missing (None)")
    if isinstance(value, Mapping) or not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise fail(f"expected a list of tests, got {type(value).__name__}")
    return value


def _function_name(fn_name: object, metadata: object) -> str | None:
    if isinstance(fn_name, str) and fn_name.strip():
        return fn_name.strip()
    if isinstance(metadata, (str, bytes)):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if isinstance(metadata, Mapping):
        name = metadata.get("func_name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None
