"""The collect step: each problem of its inputs once, rows without a statement or tests dropped with a
reason, an optional source filter, and a report of what each source gave."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from pysynth.problems import load_problems
from pysynth.steps.base import Dropped, Row
from pysynth.steps.contract import Reports, SelectsRows
from pysynth.steps.microcoder.collect import (
    NO_STATEMENT,
    NO_TESTS,
    NOT_A_PROBLEM,
    SAME_ID,
    SOURCE_NOT_SELECTED,
    Collect,
)
from pysynth.steps.sources.load_problems import problem_row

DEMO = Path(__file__).resolve().parents[3] / "pipelines" / "data" / "microcoder"


def demo_rows(name: str, format: str) -> list[Row]:
    return [problem_row(problem, None) for problem in load_problems(DEMO / name, format).problems]


def make_collect(**params: object) -> Collect:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return Collect(**params)


def reasons(decided: list[Row | Dropped]) -> list[str | None]:
    return [entry.reason if isinstance(entry, Dropped) else None for entry in decided]


def test_collect_is_a_selecting_global_step_that_reports() -> None:
    step = make_collect()
    assert step.is_global and isinstance(step, SelectsRows) and isinstance(step, Reports)


def test_every_problem_of_every_input_is_kept_once_in_input_order() -> None:
    taco, lcb = demo_rows("taco.jsonl", "taco"), demo_rows("livecodebench.jsonl", "livecodebench")
    decided = make_collect().select(taco + lcb)
    assert decided == taco + lcb, "distinct problems must all pass through unchanged"


def test_a_problem_whose_source_and_id_repeat_is_dropped_naming_the_first() -> None:
    taco = demo_rows("taco.jsonl", "taco")
    decided = make_collect().select(taco + taco[1:2])
    assert reasons(decided) == [None] * len(taco) + [SAME_ID]
    dropped = decided[-1]
    assert isinstance(dropped, Dropped) and dropped.detail == "taco problem 'taco-1' is input row 1 already"


def test_the_same_id_from_another_source_is_another_problem() -> None:
    taco = demo_rows("taco.jsonl", "taco")
    renamed = {**taco[0], "source": "apps"}
    assert reasons(make_collect().select([taco[0], renamed])) == [None, None]


def test_rows_without_statement_or_tests_or_not_problems_are_dropped_with_reasons() -> None:
    good = demo_rows("code_contests.jsonl", "code_contests")[0]
    rows = [
        {**good, "statement": "  \n"},
        {**good, "statement": None},
        {**good, "tests": []},
        {key: value for key, value in good.items() if key != "tests"},
        {**good, "mode": "call"},  # call mode without fn_name: not a Problem
        good,
    ]
    decided = make_collect().select(rows)
    assert reasons(decided) == [NO_STATEMENT, NO_STATEMENT, NO_TESTS, NO_TESTS, NOT_A_PROBLEM, None]
    not_a_problem = decided[4]
    assert isinstance(not_a_problem, Dropped) and not_a_problem.detail.startswith("fn_name:"), not_a_problem


def test_a_dropped_row_does_not_claim_its_id() -> None:
    good = demo_rows("code_contests.jsonl", "code_contests")[0]
    assert reasons(make_collect().select([{**good, "tests": []}, good])) == [NO_TESTS, None]


def test_sources_keeps_only_the_named_sources() -> None:
    taco, lcb = demo_rows("taco.jsonl", "taco"), demo_rows("livecodebench.jsonl", "livecodebench")
    decided = make_collect(sources=["livecodebench"]).select(taco + lcb)
    assert reasons(decided) == [SOURCE_NOT_SELECTED] * len(taco) + [None] * len(lcb)
    first = decided[0]
    assert isinstance(first, Dropped) and first.detail == "source 'taco'"


def test_the_report_counts_problems_per_source_and_their_date_range() -> None:
    taco, cc = demo_rows("taco.jsonl", "taco"), demo_rows("code_contests.jsonl", "code_contests")
    step = make_collect()
    step.select(taco + cc + taco[:1])
    assert step.report() == {
        "kept_per_source": {"code_contests": len(cc), "taco": len(taco)},
        "date_range": {"taco": {"first": "2021-09-05", "last": "2023-06-18"}},  # CodeContests has no dates
    }


def test_an_empty_sources_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="sources"):
        make_collect(sources=[])
