"""TACO (BAAI/TACO) and APPS (codeparrot/apps) rows: the two share APPS's layout.

- `question`: the statement; `starter_code`; `difficulty` (TACO: EASY ... VERY_HARD, APPS:
  introductory/interview/competition), kept as the dataset's label.
- `solutions`: JSON text of a list of Python 3 programs.
- `input_output`: JSON text `{"inputs": [...], "outputs": [...], "fn_name"?: str}`. With a
  `fn_name` the problem is call-based and each input is the list of arguments; otherwise each input
  and output is a text, or a list of lines that APPS's judge joins with newlines (and so do we).
- TACO only: `time_limit` ("1 second"), `memory_limit` ("256 megabytes"), `source` (the
  platform), `date`. The id is `problem_id` or `id`, else `<format>-<row>` (TACO has none).

Neither dataset says which tests the statement shows, so every test is `origin: private`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pysynth.problems.languages import TACO_LANGUAGE
from pysynth.problems.model import Problem
from pysynth.problems.rows import (
    Record,
    RowError,
    RowKey,
    bytes_from_text,
    date_from_text,
    identifier,
    json_text,
    make_problem,
    seconds_from_text,
    text,
    text_list,
)

Flavor = Literal["taco", "apps"]


def taco_problem(record: Record, row: RowKey) -> Problem:
    return apps_layout_problem(record, row, "taco")


def apps_problem(record: Record, row: RowKey) -> Problem:
    return apps_layout_problem(record, row, "apps")


def apps_layout_problem(record: Record, row: RowKey, flavor: Flavor) -> Problem:
    mode, fn_name, tests = _tests(json_text(record, "input_output", required=True))
    solutions = text_list(json_text(record, "solutions"), "solutions")
    return make_problem({
        "id": identifier(record, ("problem_id", "id"), f"{flavor}-{row}"),
        "source": flavor,
        "statement": text(record, "question", required=True),
        "starter_code": text(record, "starter_code") or "",
        "difficulty": text(record, "difficulty"),
        "date": date_from_text(record, "date"),
        "platform": text(record, "source"),
        "time_limit": seconds_from_text(record, "time_limit"),
        "memory_limit": bytes_from_text(record, "memory_limit"),
        "mode": mode,
        "fn_name": fn_name,
        "tests": tests,
        "solutions": [{"language": TACO_LANGUAGE, "source": source} for source in solutions if source.strip()],
    })


def _tests(spec: Any) -> tuple[str, str | None, list[dict[str, str]]]:
    field = "input_output"
    if not isinstance(spec, dict):
        raise RowError(field, f"expected a JSON object with inputs and outputs, got {type(spec).__name__}")
    inputs, outputs, fn_name = spec.get("inputs"), spec.get("outputs"), spec.get("fn_name")
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise RowError(field, "inputs and outputs must both be lists")
    if len(inputs) != len(outputs):
        raise RowError(field, f"{len(inputs)} inputs but {len(outputs)} outputs")
    if not inputs:
        raise RowError(field, "no tests")
    if fn_name is not None and (not isinstance(fn_name, str) or not fn_name.strip()):
        raise RowError(field, f"fn_name must be a function name, got {fn_name!r}")
    if fn_name is None:
        return "stdin", None, [_stdin_test(given, wanted, index) for index, (given, wanted)
                               in enumerate(zip(inputs, outputs, strict=True))]
    tests = []
    for index, (arguments, wanted) in enumerate(zip(inputs, outputs, strict=True)):
        if not isinstance(arguments, list):
            raise RowError(field, f"test {index}: a call-based input must be the list of arguments, "
                                  f"got {type(arguments).__name__}")
        tests.append({"input": json.dumps(arguments), "expected": json.dumps(wanted), "origin": "private"})
    return "call", fn_name, tests


def _stdin_test(given: object, wanted: object, index: int) -> dict[str, str]:
    return {"input": _stdin_text(given, index, "input"), "expected": _stdin_text(wanted, index, "output"),
            "origin": "private"}


def _stdin_text(value: object, index: int, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    raise RowError("input_output", f"test {index}: a standard-input {what} must be text or a list of lines, "
                                   f"got {type(value).__name__}")
