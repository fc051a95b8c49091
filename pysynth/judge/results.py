"""The judge's typed results. Field order is shared with the native module (`_native.RUN_FIELDS`,
...), which returns tuples in that order; a test checks the two agree."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    ACCEPTED = "Accepted"
    WRONG_ANSWER = "WrongAnswer"
    FINISHED = "Finished"
    """Ran within every limit; no expected output was given (output-collection mode)."""
    TIME_LIMIT_EXCEEDED = "TimeLimitExceeded"
    MEMORY_LIMIT_EXCEEDED = "MemoryLimitExceeded"
    OUTPUT_LIMIT_EXCEEDED = "OutputLimitExceeded"
    RUNTIME_ERROR = "RuntimeError"
    COMPILE_ERROR = "CompileError"
    SKIPPED = "Skipped"
    """Not run: `stop_on_first_failure` is set and an earlier test of this solution failed."""

    @property
    def is_valid_execution(self) -> bool:
        return self in (Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.FINISHED)


@dataclass(frozen=True)
class RunResult:
    """One execution. Exactly one of `verdict` and `fault` is set."""

    verdict: Verdict | None
    fault: str | None
    """"SandboxError" or "InternalError": the judge failed, not the program."""
    fault_message: str | None
    exit_code: int | None
    signal: int | None
    cpu_time: float
    wall_time: float
    peak_memory: int
    stdout: bytes
    """The first `report_bytes` of the output."""
    stderr: bytes
    accepted_by: str | None = None
    """The comparator rule that accepted the output (the lenient cascade's stage, `equal` or
    `first_of_list` for calls, ...); None unless Accepted by a comparator."""

    @classmethod
    def from_native(cls, raw: tuple[Any, ...]) -> RunResult:
        verdict, *rest = raw
        return cls(Verdict(verdict) if verdict else None, *rest)


@dataclass(frozen=True)
class Vote:
    leader: int | None
    """The solution whose output represents the majority (None: no valid output)."""
    majority_size: int
    valid: int
    invalid: int
    share: float | None
    agrees: list[bool | None]
    output: bytes | None
    """The majority output in full: the voted expected output of this test."""


@dataclass(frozen=True)
class Difficulty:
    delta: float | None
    """QueST: 1 - mean over tests with valid outputs of (majority size / valid outputs)."""
    mean_agreement: float | None
    tests_with_votes: int
    tests_without_votes: int


@dataclass(frozen=True)
class JudgeResult:
    compiles: list[RunResult]
    runs: list[list[RunResult]]
    """`runs[solution][test]`."""
    votes: list[Vote]
    difficulty: Difficulty
    pass_rates: list[float] | None
    """Per solution, the share of tests Accepted (only when every test has an expected output;
    with `stop_on_first_failure`, Skipped tests count as not Accepted)."""
    isolation_notes: list[str]
    python_environment: str
    """The interpreter and package directories that judged Python solutions."""

    @classmethod
    def from_native(cls, raw: tuple[Any, ...]) -> JudgeResult:
        compiles, runs, votes, difficulty, pass_rates, notes, environment = raw
        return cls(
            compiles=[RunResult.from_native(c) for c in compiles],
            runs=[[RunResult.from_native(cell) for cell in row] for row in runs],
            votes=[Vote(*vote) for vote in votes],
            difficulty=Difficulty(*difficulty),
            pass_rates=pass_rates,
            isolation_notes=notes,
            python_environment=environment,
        )
