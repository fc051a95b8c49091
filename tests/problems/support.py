"""Shared by the reader tests: where the fixtures are, and the check that drops name row and field."""

from __future__ import annotations

from pathlib import Path

from pysynth.problems import Dropped, Problem, ProblemSet, load_problems

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(name: str, format: str) -> ProblemSet:
    return load_problems(FIXTURES / name, format)


def only_problem(problems: ProblemSet, problem_id: str) -> Problem:
    found = [problem for problem in problems.problems if problem.id == problem_id]
    assert len(found) == 1, f"expected one problem {problem_id!r}, got ids {[p.id for p in problems.problems]}"
    return found[0]


def assert_drops(problems: ProblemSet, expected: list[tuple[int, str]], kept: int = 1) -> None:
    """Exactly the `(row, field)` drops expected, each reason naming its row and field."""
    assert len(problems.problems) == kept, f"kept {len(problems.problems)} problems, expected {kept}"
    got = [(dropped.row, dropped.field) for dropped in problems.dropped]
    assert got == expected, "\n".join(dropped.reason for dropped in problems.dropped)
    for dropped in problems.dropped:
        assert_names_row_and_field(dropped)


def assert_names_row_and_field(dropped: Dropped) -> None:
    prefix = f"row {dropped.row}:" if dropped.field == "(row)" else f"row {dropped.row}: {dropped.field}:"
    assert dropped.reason.startswith(prefix), f"{dropped.reason!r} does not start with {prefix!r}"
