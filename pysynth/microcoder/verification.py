"""MicroCoder's verification: a problem is kept only when its own reference solutions pass its tests.

The references run in the judge with the problem's mode, limits and comparator
(`pysynth.problems.judging`), on the problem's tests in their row order. Two policies
(`on_disagreement`), both the issue's; which one the paper used is unconfirmed:

- `drop_problem` (default ours): keep the problem when at least one reference passes every test.
  Each reference stops at its first failing test (`stop_on_first_failure`), so a broken reference
  costs one failing run, not one run per test. Tests are never removed.
- `drop_tests`: every reference runs on every test, and the tests the references reject are
  removed. The references that vote are the *working* ones, those that pass at least one test: a
  reference that passes nothing (it does not compile, reads the wrong input) says nothing about any
  one test. A test is kept when, under `agreement: majority` (default ours), at least half of the
  working references accept it: the expected output, set by the problem's author, counts as one
  more vote and so breaks a tie in its own favour; under `agreement: unanimous`, when every working
  reference accepts it. A planted wrong expected output is rejected by every correct reference, so
  either rule removes it.

Then, under both policies: fewer than `min_tests` tests left drops the problem, and so does having
no reference that passes every kept test; the references that do are the verified solutions.
A judge fault (the sandbox failing, not the program) raises `JudgeFault`: a broken judge must not
read as a broken reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import Field

from pysynth import judge
from pysynth.config import FrozenConfig
from pysynth.errors import JudgeFault
from pysynth.judge import Comparison, JudgeConfig, JudgeResult, Verdict
from pysynth.problems.judging import judge_config_for, programs_for
from pysynth.problems.model import Problem, ReferenceSolution, TestCase

Policy = Literal["drop_problem", "drop_tests"]
Agreement = Literal["majority", "unanimous"]


class VerifyRules(FrozenConfig):
    """How verification decides; every default is ours (the paper gives none)."""

    on_disagreement: Policy = Field(default="drop_problem", description=(
        "drop_problem: keep a problem when one reference passes every test (early exit); drop_tests: "
        "run every reference on every test and remove the tests the references reject. Default ours."))
    agreement: Agreement = Field(default="majority", description=(
        "drop_tests only: a test is kept when at least half (majority) or all (unanimous) of the working "
        "references (those passing at least one test) accept it. Default ours."))
    min_tests: int = Field(default=1, ge=1, description="Fewer tests left than this drops the problem. Default ours.")
    max_references: int | None = Field(default=5, ge=1, description=(
        "Judge at most this many reference solutions per problem, in dataset order (TACO has dozens per "
        "problem); None: all. Default ours."))


class VerifyDropReason(StrEnum):
    NO_REFERENCE = "no reference solution"
    NO_REFERENCE_PASSES = "no reference passes"
    TOO_FEW_TESTS = "too few tests left"


@dataclass(frozen=True)
class Verified:
    solutions: tuple[ReferenceSolution, ...]
    """The references that pass every kept test, in dataset order."""
    tests: tuple[TestCase, ...]
    """The kept tests, in row order."""
    tests_removed: int
    runs: int
    """Test executions the judge made (Skipped tests not counted)."""


@dataclass(frozen=True)
class VerifyDrop:
    reason: VerifyDropReason
    detail: str
    runs: int = 0


def verify_problem(problem: Problem, rules: VerifyRules, config: JudgeConfig | None = None, *,
                   comparator: Comparison | None = None, pool: judge.Pool | None = None) -> Verified | VerifyDrop:
    """Judge the problem's references on its tests and apply `rules` (see the module docstring).
    `config` gives the limits of problems without their own; `pool` defaults to the process's shared one."""
    references, skipped = runnable_references(problem, rules.max_references)
    if not references:
        return VerifyDrop(VerifyDropReason.NO_REFERENCE, skipped or "the problem has no reference solution")
    if len(problem.tests) < rules.min_tests:
        return VerifyDrop(VerifyDropReason.TOO_FEW_TESTS, f"{len(problem.tests)} tests < min_tests {rules.min_tests}")
    base = config or (pool.config if pool is not None else JudgeConfig.build())
    call = JudgeConfig.build(judge_config_for(problem, base, comparator),
                             stop_on_first_failure=rules.on_disagreement == "drop_problem")
    tests = [judge.Test(test.input, test.expected) for test in problem.tests]
    result = (pool or judge.shared_pool(call)).run(programs_for(problem, references), tests, call)
    return decide(references, problem.tests, verdict_matrix(problem, result), rules)


def runnable_references(problem: Problem, limit: int | None) -> tuple[list[ReferenceSolution], str]:
    """The references the judge can run (call mode: Python only, the harness's language), at most
    `limit`, and a note on those left out for their language."""
    usable = list(problem.solutions)
    note = ""
    if problem.mode == "call":
        usable = [solution for solution in problem.solutions if solution.language == "python"]
        others = sorted({solution.language for solution in problem.solutions} - {"python"})
        if others:
            left_out = len(problem.solutions) - len(usable)
            note = f"{left_out} of {len(problem.solutions)} references left out ({', '.join(others)}): " \
                   "call mode is judged in Python only"
    return usable[:limit], note


def verdict_matrix(problem: Problem, result: JudgeResult) -> list[list[Verdict]]:
    """`[reference][test]` verdicts; raises `JudgeFault` at the first run the judge itself failed."""
    matrix = []
    for index, (compiled, runs) in enumerate(zip(result.compiles, result.runs, strict=True)):
        for where, cell in [("compile", compiled), *((f"test {test}", run) for test, run in enumerate(runs))]:
            if cell.fault is not None:
                raise JudgeFault(
                    f"problem {problem.id}: reference {index}: {where}: {cell.fault}: {cell.fault_message}")
        matrix.append([run.verdict or Verdict.SKIPPED for run in runs])
    return matrix


def decide(references: Sequence[ReferenceSolution], tests: Sequence[TestCase], verdicts: Sequence[Sequence[Verdict]],
           rules: VerifyRules) -> Verified | VerifyDrop:
    """The rules applied to `verdicts[reference][test]` (judged already; no judge here)."""
    runs = sum(verdict != Verdict.SKIPPED for row in verdicts for verdict in row)
    accepted = [[verdict == Verdict.ACCEPTED for verdict in row] for row in verdicts]
    kept = list(range(len(tests)))
    if rules.on_disagreement == "drop_tests":
        working = [row for row in accepted if any(row)]
        if not working:
            return VerifyDrop(VerifyDropReason.NO_REFERENCE_PASSES, first_failures(references, verdicts, kept), runs)
        kept = [test for test in kept if keeps(sum(row[test] for row in working), len(working), rules.agreement)]
        if len(kept) < rules.min_tests:
            return VerifyDrop(VerifyDropReason.TOO_FEW_TESTS,
                              f"{len(kept)} of {len(tests)} tests kept < min_tests {rules.min_tests}", runs)
    passing = tuple(reference for reference, row in zip(references, accepted, strict=True)
                    if all(row[test] for test in kept))
    if not passing:
        return VerifyDrop(VerifyDropReason.NO_REFERENCE_PASSES, first_failures(references, verdicts, kept), runs)
    return Verified(passing, tuple(tests[test] for test in kept), len(tests) - len(kept), runs)


def keeps(accepting: int, working: int, agreement: Agreement) -> bool:
    """Whether a test `accepting` of `working` references accept is kept (see the module docstring)."""
    return accepting == working if agreement == "unanimous" else 2 * accepting >= working


def first_failures(references: Sequence[ReferenceSolution], verdicts: Sequence[Sequence[Verdict]],
                   tests: Sequence[int]) -> str:
    """Per reference, its first failing test among `tests` and the verdict: what the drop record says."""
    parts = []
    for index, (reference, row) in enumerate(zip(references, verdicts, strict=True)):
        failing = next((test for test in tests if row[test] != Verdict.ACCEPTED), None)
        what = "passes" if failing is None else f"test {failing} {row[failing].value}"
        parts.append(f"reference {index} ({reference.language}): {what}")
    return "; ".join(parts)
