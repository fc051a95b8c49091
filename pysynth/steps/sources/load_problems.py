"""Problems of a TACO, APPS, CodeContests, LiveCodeBench or pysynth file, one row each.

Columns are the `Problem` fields (`pysynth.problems.model`): tests and solutions as lists of dicts,
the date as ISO text. Malformed dataset rows are not emitted: pysynth's runner stores them like a
row step's drops (`dropped/<step>.parquet` with the reason, counted in the run manifest).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from distilabel.steps import GeneratorStep
from pydantic import Field, PrivateAttr

from pysynth.problems import Dropped, Problem, ProblemFormat, iter_problems
from pysynth.problems.records import count_records
from pysynth.steps.base import Row

if TYPE_CHECKING:
    from distilabel.typing import GeneratorStepOutput

PROBLEM_COLUMNS: list[str] = list(Problem.model_fields)


@dataclass
class _Batch:
    rows: list[Row] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


class LoadProblems(GeneratorStep):
    """One row per problem of a dataset file (`format`: taco, apps, code_contests, livecodebench, jsonl)."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("-", "the Problem fields (tests, solutions as lists of dicts; malformed rows dropped)")

    path: str = Field(description="A .jsonl/.json/.parquet file, or a directory saved by datasets' save_to_disk; "
                                  "relative paths start at the pipeline file.")
    format: ProblemFormat = Field(description="The dataset's layout.")
    limit: int | None = Field(default=None, ge=0, description="Emit at most this many problems.")
    max_tests: int | None = Field(default=None, ge=1,
                                  description="Keep at most this many tests per problem, public ones first.")

    path_params: ClassVar[tuple[str, ...]] = ("path",)

    _dropped: list[Row] = PrivateAttr(default_factory=list)

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return PROBLEM_COLUMNS

    def expected_rows(self) -> int:
        """Rows in the file (malformed ones included: the count is known before reading them)."""
        total = count_records(Path(self.path))
        return min(total, self.limit) if self.limit is not None else total

    def take_dropped(self) -> list[Row]:
        """The malformed rows met since the last call, each with `drop_reason` (see `SourceWithDrops`)."""
        taken, self._dropped = self._dropped, []
        return taken

    def process(self, offset: int = 0) -> GeneratorStepOutput:  # type: ignore[override]
        # `offset` problems were emitted by an earlier run (resume); rows dropped among them are counted
        # already. The last batch is flagged on its own rows, never as an extra empty batch.
        batches = self._batches(offset)
        batch = next(batches, _Batch())
        for following in batches:
            if not following.rows:  # only the malformed rows after the last problem
                batch.dropped.extend(following.dropped)
                break
            self._report(batch)
            yield batch.rows, False
            batch = following
        self._report(batch)
        yield batch.rows, True

    def _report(self, batch: _Batch) -> None:
        self._dropped.extend(dropped_row(dropped) for dropped in batch.dropped)

    def _batches(self, offset: int) -> Iterator[_Batch]:
        """Batches of `batch_size` problems, each with the malformed rows read before its last problem
        (the last batch also takes the trailing ones), so a resumed run never counts one twice."""
        items = iter_problems(self.path, self.format)
        items = _without_first_problems(items, offset)
        batch = _Batch()
        emitted = offset
        for item in items:
            if isinstance(item, Dropped):
                batch.dropped.append(item)
                continue
            if self.limit is not None and emitted >= self.limit:
                break
            batch.rows.append(problem_row(item, self.max_tests))
            emitted += 1
            if len(batch.rows) == self.batch_size:
                yield batch
                batch = _Batch()
        if batch.rows or batch.dropped:
            yield batch


def _without_first_problems(items: Iterator[Problem | Dropped], count: int) -> Iterator[Problem | Dropped]:
    """`items` after the `count`-th problem (and the drops before it)."""
    if count == 0:
        return items
    seen = 0
    for item in items:
        if isinstance(item, Problem):
            seen += 1
            if seen == count:
                break
    return items


def problem_row(problem: Problem, max_tests: int | None) -> Row:
    row = problem.model_dump(mode="json")
    row["tests"] = [test.model_dump(mode="json") for test in problem.public_first_tests(max_tests)]
    return row


def dropped_row(dropped: Dropped) -> Row:
    # The manifest counts drops by `drop_reason`, so it names the kind of mistake, not the row.
    return {"row": str(dropped.row), "field": dropped.field, "drop_reason": f"malformed {dropped.field}",
            "detail": dropped.reason}

