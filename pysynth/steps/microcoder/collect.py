"""MicroCoder's collection stage: the problems of several `load_problems` steps, each problem once.

The step is global: it receives all its inputs' rows concatenated in input order (the order of
`inputs:` in the pipeline, each input's rows in its own order), so "earlier" below means that order.
Each row already holds its `source` and `date` (the Problem fields), so nothing is tagged; a row is
dropped, with the reason the manifest counts it under, when
- its statement is empty: "collect: no statement";
- it has no tests: "collect: no tests";
- it is not a Problem otherwise (a row from a step other than `load_problems`): "collect: not a
  problem", the detail naming the field;
- its `source` is not among `sources` (when given): "collect: source not selected";
- its (source, id) is an earlier kept problem's: "collect: same id as an earlier problem", the detail
  naming it.
The readers already drop malformed dataset rows, so the first three mostly guard rows from other steps.
The manifest's `report` holds the problems kept per source and each source's date range.
"""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.problems.rows import RowError, problem_from_row
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

NO_STATEMENT = "collect: no statement"
NO_TESTS = "collect: no tests"
NOT_A_PROBLEM = "collect: not a problem"
SOURCE_NOT_SELECTED = "collect: source not selected"
SAME_ID = "collect: same id as an earlier problem"


class Collect(GlobalStep):
    """Keeps each problem of its inputs once; drops rows with no statement or no tests (see the module doc)."""

    # What `pysynth steps` shows: rows pass through, some dropped.
    columns_help: ClassVar[tuple[str, str]] = (
        "id, source, statement, tests (the Problem columns of every input, in input order)",
        "the input's (problems without tests or statement, or repeating an id, dropped)")

    sources: list[str] | None = Field(
        default=None, min_length=1,
        description="Keep only problems whose `source` is one of these (taco, code_contests, livecodebench, ...); "
                    "default: every source.")

    _kept_per_source: Counter[str] = PrivateAttr(default_factory=Counter)
    _dates: dict[str, list[str]] = PrivateAttr(default_factory=dict)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["id", "source", "statement", "tests"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row, in order: the row, or why it was dropped (pysynth's executor calls this)."""
        self._kept_per_source, self._dates = Counter(), {}
        first_row: dict[tuple[str, str], int] = {}
        decided: list[Row | Dropped] = []
        for index, row in enumerate(rows):
            reason = self._problem_fault(row)
            if reason is not None:
                decided.append(reason)
                continue
            key = (str(row["source"]), str(row["id"]))
            if key in first_row:
                decided.append(Dropped(SAME_ID, f"{key[0]} problem {key[1]!r} is input row {first_row[key]} already"))
                continue
            first_row[key] = index
            self._count(row)
            decided.append(row)
        return decided

    def _problem_fault(self, row: Row) -> Dropped | None:
        statement = row.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            return Dropped(NO_STATEMENT)
        if not row.get("tests"):
            return Dropped(NO_TESTS)
        try:
            problem = problem_from_row(row)
        except RowError as error:
            return Dropped(NOT_A_PROBLEM, str(error))
        if self.sources is not None and problem.source not in self.sources:
            return Dropped(SOURCE_NOT_SELECTED, f"source {problem.source!r}")
        return None

    def _count(self, row: Row) -> None:
        source = str(row["source"])
        self._kept_per_source[source] += 1
        date = row.get("date")
        if date:
            low_high = self._dates.setdefault(source, [str(date), str(date)])
            low_high[0], low_high[1] = min(low_high[0], str(date)), max(low_high[1], str(date))

    def report(self) -> dict[str, Any]:
        """Problems kept per source, and each source's earliest and latest date (ISO text)."""
        dates = {source: {"first": low, "last": high} for source, (low, high) in sorted(self._dates.items())}
        return {"kept_per_source": dict(sorted(self._kept_per_source.items())), "date_range": dates}

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]
