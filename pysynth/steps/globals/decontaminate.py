"""Drop rows that copy a benchmark problem, or that are dated after an evaluation cut-off.

Each row is checked on its own against an index of the benchmark built once per process (a row step,
so `workers:` scales it out; the rules are in `pysynth.decontamination`). Drops, counted by reason in
the manifest, with the row's own `drop_detail` in the step's `dropped/` files:

- `decontaminate: near-duplicate of a benchmark problem` (`minhash`) or `decontaminate: shares a
  50-gram with a benchmark problem` (`ngram`); detail: `benchmark.jsonl:8 (id lcb-0007), jaccard 0.91`.
- `decontaminate: dated after the cut-off` (with `dated_after`); detail: `dated 2024-06-02, after 2024-05-01`.
- `decontaminate: undated` (with `dated_after` and `undated: drop`).
- `decontaminate: no text`: a row whose `column` is null or blank. It cannot copy anything, but it is
  no problem either; dropping it under its own reason shows how many there were instead of passing
  them on silently.

A row whose text is not a string, or whose date is not a date, fails on its own (its error names the
column). A benchmark file that cannot be read fails the run when the step loads, before any row.
"""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from pysynth.decontamination import (
    MINHASH_THRESHOLD,
    QUEST_NGRAM,
    TABLE,
    BenchmarkFormat,
    Checker,
    Contaminated,
    Method,
    load_benchmark,
    make_checker,
    parse_date,
)
from pysynth.errors import InputError
from pysynth.steps.base import Dropped, Row, RowResult, RowStep

PROBLEM_TEXT = "statement"


class Decontaminate(RowStep):
    """Keeps the rows whose `column` copies no benchmark problem (and, with `dated_after`, that are not
    dated after it)."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("`column` (and `date_column`)", "the input's (contaminated rows dropped)")
    # Files the step reads (`pysynth.steps.contract.path_params`): resolved, checked and hashed by content.
    path_params: ClassVar[tuple[str, ...]] = ("benchmark",)

    column: str = Field(default=PROBLEM_TEXT, description="Text column checked (a problem's statement).")
    benchmark: str = Field(description="Benchmark file; relative paths are relative to the pipeline file.")
    benchmark_format: BenchmarkFormat = Field(
        default=TABLE, description="`table` (JSONL/JSON/Parquet with a text column) or a problem format "
                                   "(taco, apps, code_contests, livecodebench, jsonl), whose text is the statement.")
    benchmark_column: str = Field(default=PROBLEM_TEXT, description="The table's text column (`table` only).")
    benchmark_id_column: str | None = Field(
        default=None, description="The table's id column, named in drop details (`table` only; problem files "
                                  "use the problem id).")
    method: Literal["minhash", "ngram"] = Field(
        default="minhash", description="`minhash`: near-duplicates by shingle Jaccard (default ours); `ngram`: "
                                       "QueST's rule, any shared word n-gram.")
    threshold: float = Field(
        default=MINHASH_THRESHOLD, gt=0, lt=1,
        description="`minhash`: the least shingle Jaccard that counts as a copy. Default ours (0.5, below "
                    "near_dedup's 0.8: a missed copy leaks a benchmark problem; measurements in "
                    "pysynth.decontamination.MINHASH_THRESHOLD).")
    ngram: int | None = Field(
        default=None, ge=1, description="Words per shingle (`minhash`: default 5, ours, as in near_dedup) or per "
                                        "n-gram (`ngram`: default 50, QueST's).")
    num_perm: int = Field(default=128, ge=16, description="MinHash permutations (`minhash`; default ours).")
    date_column: str = Field(default="date", description="Column holding the row's date (read with `dated_after`).")
    dated_after: datetime.date | None = Field(
        default=None, description="Drop rows dated strictly after this day: they belong to a strictly unseen "
                                  "evaluation window (MicroCoder evaluates on date-separated LiveCodeBench).")
    undated: Literal["keep", "drop"] = Field(
        default="keep", description="With `dated_after`: what becomes of a row without a date (default ours).")

    @model_validator(mode="after")
    def _table_options_only_for_tables(self) -> Decontaminate:
        if self.benchmark_format != TABLE and (self.benchmark_column != PROBLEM_TEXT or self.benchmark_id_column):
            raise ValueError(f"benchmark_column and benchmark_id_column apply to benchmark_format 'table'; a "
                             f"{self.benchmark_format} file's text is its statement and its id the problem id")
        return self

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column, *([self.date_column] if self.dated_after is not None else [])]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    @property
    def contaminated_reason(self) -> str:
        if self.method == "minhash":
            return "decontaminate: near-duplicate of a benchmark problem"
        return f"decontaminate: shares a {self.ngram or QUEST_NGRAM}-gram with a benchmark problem"

    @cached_property
    def _checker(self) -> Checker:
        benchmark = load_benchmark(self.benchmark, self.benchmark_format, self.benchmark_column,
                                   self.benchmark_id_column)
        return make_checker(benchmark, Method(self.method), threshold=self.threshold, num_perm=self.num_perm,
                            ngram=self.ngram)

    def load(self) -> None:
        super().load()
        self._checker  # noqa: B018 - read the benchmark now: a bad file fails the run, not every row

    def transform(self, row: Row) -> RowResult:
        text = row.get(self.column)
        if text is None or (isinstance(text, str) and not text.strip()):
            return Dropped("decontaminate: no text", detail=f"{self.column!r} is {'null' if text is None else 'blank'}")
        if not isinstance(text, str):
            raise InputError(f"{self.column}: holds {type(text).__name__}, not text")
        if self.dated_after is not None:
            date = parse_date(row.get(self.date_column), self.date_column)
            if date is None and self.undated == "drop":
                return Dropped("decontaminate: undated", detail=f"no {self.date_column!r}")
            if date is not None and date > self.dated_after:
                return Dropped("decontaminate: dated after the cut-off",
                               detail=f"dated {date.isoformat()}, after {self.dated_after.isoformat()}")
        verdict = self._checker.check(text)
        if isinstance(verdict, Contaminated):
            return Dropped(self.contaminated_reason, detail=verdict.describe())
        return row
