"""QueST's chosen problems as `Problem` rows, so generated and curated problems share one table.

Composition (pipelines/curate_then_quest.yaml): MicroCoder's curated problems seed QueST, and the
problems QueST writes are put beside them, deduplicated and exported in one layout. A generated
problem is a stdin problem whose tests are its inputs with the solvers' majority outputs (origin
`generated`: nobody checked them against a reference); it has no reference solution.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.problems.rows import make_problem
from pysynth.steps.base import Row, RowResult, RowStep
from pysynth.steps.sources.load_problems import PROBLEM_COLUMNS, problem_row


class QuestAsProblems(RowStep):
    """`problem` and its voted `tests` (from `quest_difficulty`) -> the `Problem` columns that
    `load_problems` emits (id: the row id; source: `source`; mode stdin; tests as `generated`),
    plus `delta`. Only these columns go on: the union with real problems stays one shape."""

    columns_help: ClassVar[tuple[str, str]] = ("problem, tests, delta", "the Problem fields, delta")
    passthrough: ClassVar[bool] = False

    source: str = Field(default="quest", description="Written to each problem's `source`.")
    time_limit: float | None = Field(default=None, gt=0, description="Seconds per test; null: the judge's default.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["problem", "tests", "delta"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return [*PROBLEM_COLUMNS, "delta"]

    def transform(self, row: Row) -> RowResult:
        tests = [{"input": test["input"], "expected": test["output"], "origin": "generated"}
                 for test in row["tests"] or []]
        problem = make_problem({  # a RowError names the field a malformed row lacks, failing only that row
            "id": str(row["_row_id"]), "source": self.source, "statement": row["problem"], "mode": "stdin",
            "tests": tests, "time_limit": self.time_limit,
        })
        return {**problem_row(problem, None), "delta": row["delta"]}
