"""MicroCoder's measured pass rate: each of the solver's k answers judged on the problem's own tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import Field

from pysynth.errors import JudgeFault
from pysynth.judge import Comparison
from pysynth.problems import ReferenceSolution, SolutionOutcome, judge_problem
from pysynth.problems.rows import problem_from_row
from pysynth.quest.code import NoCode, extract_code
from pysynth.steps.base import Dropped, Row, RowResult
from pysynth.steps.judged import JudgedRowStep

JUDGE_FAULTS = frozenset({"SandboxError", "InternalError"})
"""What `SolutionOutcome.verdicts` counts a run under when the judge failed, not the program."""


class PassRate(JudgedRowStep):
    """`answers_column` (the solver's k answers) -> `pass_rates` (per answer, the share of the
    problem's tests it passes), `pass_rate` (their mean) and `answers_without_code`. Each answer's
    last code block is judged as the problem is (its mode, limits and comparator; call-mode
    problems go through the call harness). An answer scores 0 without a code block, or with code
    in a language other than Python for a call-mode problem (the harness is Python's); both are
    counted in `answers_without_code`. A judge fault fails the row: its score would measure the
    judge, not the problem."""

    answers_column: str = Field(default="solution_answers", description="The solver's answers (a list).")
    comparator: Comparison | None = Field(
        default=None, description="Output comparison; default: the problem's dataset's own rule (`default_comparator`).")
    max_tests: int | None = Field(default=None, ge=1, description="Judge at most this many tests, public ones first.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.answers_column, "tests", "mode"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["pass_rates", "pass_rate", "answers_without_code"]

    def transform(self, row: Row) -> RowResult:
        problem = problem_from_row(row)
        answers = row.get(self.answers_column) or []
        if isinstance(answers, str):
            answers = [answers]
        if not answers:
            return Dropped("pass rate: no answers")
        runnable: dict[int, ReferenceSolution] = {}
        for index, answer in enumerate(answers):
            code = extract_code(str(answer))
            if isinstance(code, NoCode) or (problem.mode == "call" and code.language != "python"):
                continue
            runnable[index] = ReferenceSolution(language=code.language, source=code.source)
        rates = [0.0] * len(answers)
        if runnable:
            outcomes = judge_problem(problem, list(runnable.values()), self._judge_config, comparator=self.comparator,
                                     max_tests=self.max_tests, pool=self._judge_pool)
            faults = _judge_faults(outcomes)
            if faults:
                shown = ", ".join(f"{name} x{count}" for name, count in sorted(faults.items()))
                raise JudgeFault(f"pass_rate: problem {problem.id}: the judge failed on some runs ({shown})")
            for index, outcome in zip(runnable, outcomes, strict=True):
                rates[index] = outcome.pass_rate
        return {**row, "pass_rates": rates, "pass_rate": sum(rates) / len(rates),
                "answers_without_code": len(answers) - len(runnable)}


def _judge_faults(outcomes: Sequence[SolutionOutcome]) -> Counter[str]:
    faults: Counter[str] = Counter()
    for outcome in outcomes:
        faults.update({name: count for name, count in outcome.verdicts.items() if name in JUDGE_FAULTS})
    return faults
