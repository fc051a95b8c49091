"""CodeContests (deepmind/code_contests) rows, the fields of its `contest_problem.proto`.

- `name` (the id), `description` (the statement); standard input and output only, so a problem
  that reads `input_file` is dropped.
- `public_tests`, `private_tests`, `generated_tests`: each `{"input": [...], "output": [...]}`,
  kept in that order with their origin.
- `solutions`, `incorrect_solutions`: each `{"language": [...], "solution": [...]}`, languages
  by enum number or name (see `languages.py`); Python 2 and unknown-language programs are left out.
- `cf_rating` (0 means unrated: None), `time_limit` `{"seconds", "nanos"}`, `memory_limit_bytes`
  (0: unknown), `difficulty` and `source` as the proto's enum numbers, mapped to their names.
"""

from __future__ import annotations

from typing import Any

from pysynth.problems.languages import code_contests_language
from pysynth.problems.model import Problem
from pysynth.problems.rows import Record, RowError, RowKey, identifier, integer, make_problem, text, text_list

DIFFICULTIES: dict[int, str] = {
    0: "UNKNOWN_DIFFICULTY", 1: "EASY", 2: "MEDIUM", 3: "HARD", 4: "HARDER", 5: "HARDEST", 6: "EXTERNAL",
    **{number: letter for number, letter in zip(range(7, 18), "ABCDEFGHIJK", strict=True)},
    **{number: letter for number, letter in zip(range(19, 30), "LMNOPQRSTUV", strict=True)},
}
"""`ContestProblem.Difficulty` (18 is not used: L is 19)."""

PLATFORMS: dict[int, str] = {1: "codechef", 2: "codeforces", 3: "hackerearth", 4: "codejam", 6: "atcoder", 7: "aizu"}
"""`ContestProblem.Source`; 0 (UNKNOWN_SOURCE) is no platform."""

TEST_GROUPS = (("public_tests", "public"), ("private_tests", "private"), ("generated_tests", "generated"))


def code_contests_problem(record: Record, row: RowKey) -> Problem:
    input_file = text(record, "input_file")
    if input_file is not None:
        raise RowError("input_file", f"reads the file {input_file!r}, not standard input")
    rating = integer(record, "cf_rating")
    memory = integer(record, "memory_limit_bytes")
    tests = [test for field, origin in TEST_GROUPS for test in _tests(record.get(field), field, origin)]
    if not tests:
        raise RowError("tests", "no tests in public_tests, private_tests or generated_tests")
    return make_problem({
        "id": identifier(record, ("name",), f"code_contests-{row}"),
        "source": "code_contests",
        "statement": text(record, "description", required=True),
        "difficulty": _enum_name(record, "difficulty", DIFFICULTIES, unknown=0),
        "rating": rating if rating is not None and rating > 0 else None,
        "platform": _enum_name(record, "source", PLATFORMS, unknown=0),
        "time_limit": _seconds(record.get("time_limit")),
        "memory_limit": memory if memory is not None and memory > 0 else None,
        "mode": "stdin",
        "tests": tests,
        "solutions": _solutions(record.get("solutions"), "solutions"),
        "incorrect_solutions": _solutions(record.get("incorrect_solutions"), "incorrect_solutions"),
    })


def _enum_name(record: Record, field: str, names: dict[int, str], unknown: int) -> str | None:
    number = integer(record, field)
    if number is None or number == unknown:
        return None
    if number not in names:
        raise RowError(field, f"unknown enum value {number}")
    return names[number]


def _seconds(duration: Any) -> float | None:
    """A `google.protobuf.Duration` as `{"seconds": int, "nanos": int}`; zero means unknown."""
    if duration is None:
        return None
    if not isinstance(duration, dict):
        raise RowError("time_limit", f"expected {{seconds, nanos}}, got {type(duration).__name__}")
    seconds, nanos = duration.get("seconds") or 0, duration.get("nanos") or 0
    if not all(isinstance(part, int) and not isinstance(part, bool) for part in (seconds, nanos)):
        raise RowError("time_limit", f"seconds and nanos must be integers, got {duration!r}")
    total = seconds + nanos / 1e9
    return total if total > 0 else None


def _tests(group: Any, field: str, origin: str) -> list[dict[str, str]]:
    if group is None:
        return []
    if not isinstance(group, dict):
        raise RowError(field, f"expected {{input: [...], output: [...]}}, got {type(group).__name__}")
    inputs, outputs = text_list(group.get("input"), field), text_list(group.get("output"), field)
    if len(inputs) != len(outputs):
        raise RowError(field, f"{len(inputs)} inputs but {len(outputs)} outputs")
    return [{"input": given, "expected": wanted, "origin": origin}
            for given, wanted in zip(inputs, outputs, strict=True)]


def _solutions(group: Any, field: str) -> list[dict[str, str]]:
    if group is None:
        return []
    if not isinstance(group, dict):
        raise RowError(field, f"expected {{language: [...], solution: [...]}}, got {type(group).__name__}")
    languages, sources = group.get("language") or [], text_list(group.get("solution"), field)
    if not isinstance(languages, list) or len(languages) != len(sources):
        raise RowError(field, "language and solution must be lists of the same length")
    kept = []
    for index, (value, source) in enumerate(zip(languages, sources, strict=True)):
        try:
            language = code_contests_language(value)
        except ValueError as error:
            raise RowError(field, f"solution {index}: {error}") from None
        if language is not None and source.strip():
            kept.append({"language": language, "source": source})
    return kept
