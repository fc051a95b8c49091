"""MicroCoder's verification stage: keep the problems whose reference solutions pass their tests."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from pysynth.judge import Comparison
from pysynth.microcoder.verification import (
    Agreement,
    Policy,
    VerifyDrop,
    VerifyDropReason,
    VerifyRules,
    verify_problem,
)
from pysynth.problems.rows import problem_from_row
from pysynth.steps.base import Dropped, Row, RowResult
from pysynth.steps.judged import JudgedRowStep


class Verify(JudgedRowStep):
    """Keeps the problems whose reference solutions pass their tests in the judge (MicroCoder's verification).

    Each problem's references run with the problem's own mode, limits and comparator (the rules:
    `pysynth.microcoder.verification`). Output: the references that pass every kept test
    (`verified_solutions`, `{language, source}`), the kept `tests`, `tests_removed` and `verify_runs`
    (test executions, for throughput). Drops, under `verify: <why>`: no reference solution, no
    reference passes (the detail names each reference's first failing test and verdict), too few
    tests left; `without_references: keep` keeps the problems that have no reference instead. A judge fault fails the row. Judge-bound: rows run concurrently."""

    on_disagreement: Policy = Field(default="drop_problem", description=(
        "drop_problem: keep a problem when one reference passes every test; drop_tests: remove the tests "
        "the references reject, then keep the problem if enough tests are left. Default ours."))
    agreement: Agreement = Field(default="majority", description=(
        "drop_tests: keep a test when at least half (majority) or all (unanimous) of the working references "
        "(those passing at least one test) accept it. Default ours."))
    without_references: Literal["drop", "keep"] = Field(default="drop", description=(
        "A problem with no reference the judge can run: drop it, or keep it unverified with its tests as the "
        "dataset gives them (LiveCodeBench ships tests but no solutions). Default ours."))
    min_tests: int = Field(default=1, ge=1, description="Problems with fewer tests left are dropped. Default ours.")
    max_references: int | None = Field(default=5, ge=1, description=(
        "Judge at most this many references per problem, in dataset order; null: all. Default ours."))
    comparator: Comparison | None = Field(default=None, description=(
        "Output comparison for every problem; default: each problem's own (its dataset's evaluator rule)."))

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["id", "source", "statement", "mode", "tests", "solutions"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["verified_solutions", "tests", "tests_removed", "verify_runs"]

    @cached_property
    def _rules(self) -> VerifyRules:
        return VerifyRules(on_disagreement=self.on_disagreement, agreement=self.agreement, min_tests=self.min_tests,
                           max_references=self.max_references)

    def transform(self, row: Row) -> RowResult:
        problem = problem_from_row(row)  # a RowError names the bad column and fails the row
        outcome = verify_problem(problem, self._rules, self._judge_config, comparator=self.comparator,
                                 pool=self._judge_pool)
        if isinstance(outcome, VerifyDrop):
            if outcome.reason is VerifyDropReason.NO_REFERENCE and self.without_references == "keep":
                return {**row, "verified_solutions": [], "tests_removed": 0, "verify_runs": 0}
            return Dropped(f"verify: {outcome.reason.value}", detail=outcome.detail)
        return {**row,
                "verified_solutions": [solution.model_dump(mode="json") for solution in outcome.solutions],
                "tests": [test.model_dump(mode="json") for test in outcome.tests],
                "tests_removed": outcome.tests_removed, "verify_runs": outcome.runs}
