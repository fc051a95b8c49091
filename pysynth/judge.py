"""The sandboxed multi-test code judge: run N solutions on M tests, get typed verdicts, majority
votes and a difficulty score. Executed by the Rust extension with the GIL released.

Isolation of every run (see rust/judge): own PID, mount, network, IPC and UTS namespaces; a
read-only view of the system with a private tmpfs /tmp; a per-worker unprivileged uid; an empty
environment; rlimits; a seccomp filter; cgroup v1 memory and process limits where available;
a wall-clock timeout that kills the whole process tree. Missing isolation raises SandboxError;
`dangerously_unsandboxed=True` is the only way to run without it.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pysynth import _native
from pysynth.config import FrozenConfig


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

    @property
    def is_valid_execution(self) -> bool:
        return self in (Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.FINISHED)


Language = Literal["python", "cpp"]
Comparison = Literal["tokens", "exact", "lines", "float", "checker"]

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30}
_TIMES = {"": 1.0, "s": 1.0, "ms": 1e-3}


def parse_bytes(value: str | int) -> int:
    """`256M`, `1G`, `512k` or a plain number of bytes."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", value)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {value!r} (use e.g. 256M, 1G, 512k)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_seconds(value: str | float) -> float:
    """`2s`, `500ms` or a plain number of seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value)
    if not match or match.group(2) not in _TIMES:
        raise ValueError(f"not a duration: {value!r} (use e.g. 2s, 500ms)")
    return float(match.group(1)) * _TIMES[match.group(2)]


@dataclass(frozen=True)
class Solution:
    language: Language
    source: str


class JudgeConfig(FrozenConfig):
    """Limits, comparison and isolation for one judge call. Sizes accept `256M`; times `2s`."""

    time_limit: float = Field(2.0, gt=0)
    wall_time_limit: float | None = Field(None, gt=0)
    memory_limit: int = Field(256 << 20, ge=16 << 20)
    output_limit: int = Field(64 << 20, ge=1)
    processes: int = Field(64, ge=1)
    open_files: int = Field(64, ge=8)
    scratch_limit: int = Field(64 << 20, ge=1 << 20)
    comparator: Comparison = "tokens"
    float_absolute: float = Field(1e-6, ge=0)
    float_relative: float = Field(1e-6, ge=0)
    workers: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1)
    dangerously_unsandboxed: bool = False
    use_cgroups: bool = True
    """Use cgroup v1 memory/process limits when available; without them memory is bounded by
    RLIMIT_AS alone, and compiled programs start through the zygote instead of natively."""
    python: str = Field(default_factory=lambda: os.path.realpath(sys.executable))
    python_prefix: str = Field(default_factory=lambda: os.path.realpath(sys.base_prefix))
    cpp_compiler: str = "/usr/bin/g++"
    cpp_flags: tuple[str, ...] = ("-std=c++17", "-O2", "-pipe")
    scratch_dir: str = Field(default_factory=tempfile.gettempdir)
    report_bytes: int = Field(64 << 10, ge=0)
    checker: Solution | None = None
    """With comparator="checker": a testlib-style program run sandboxed as `checker INPUT OUTPUT
    ANSWER`; exit 0 accepts, 1 or 2 rejects, anything else is a judge fault. Votes group outputs
    by tokens."""

    @model_validator(mode="after")
    def _checker_with_its_comparator(self) -> JudgeConfig:
        if (self.comparator == "checker") != (self.checker is not None):
            raise ValueError('give a checker exactly when comparator="checker"')
        return self

    @property
    def checker_program(self) -> tuple[str, str] | None:
        return None if self.checker is None else (self.checker.language, self.checker.source)

    @field_validator("time_limit", "wall_time_limit", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        return parse_seconds(value) if isinstance(value, str) else value

    @field_validator("memory_limit", "output_limit", "scratch_limit", mode="before")
    @classmethod
    def _bytes(cls, value: Any) -> Any:
        return parse_bytes(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Test:
    input: bytes | str
    expected: bytes | str | None = None


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
    """Per solution, the share of tests Accepted (only when every test has an expected output)."""
    isolation_notes: list[str]


def _run_result(raw: dict[str, Any]) -> RunResult:
    verdict = raw.get("verdict")
    return RunResult(
        verdict=Verdict(verdict) if verdict else None,
        fault=raw.get("fault"),
        fault_message=raw.get("fault_message"),
        exit_code=raw.get("exit_code"),
        signal=raw.get("signal"),
        cpu_time=raw["cpu_time"],
        wall_time=raw["wall_time"],
        peak_memory=raw["peak_memory"],
        stdout=raw["stdout"],
        stderr=raw["stderr"],
    )


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def run(
    solutions: Sequence[Solution], tests: Sequence[Test], config: JudgeConfig | None = None, **options: Any
) -> JudgeResult:
    """Compile each solution once, run it on every test in the sandbox, compare and vote."""
    config = JudgeConfig.build(config, **options)
    raw = _native.judge(
        [(s.language, s.source) for s in solutions],
        [(_as_bytes(t.input), None if t.expected is None else _as_bytes(t.expected)) for t in tests],
        config,
    )
    return JudgeResult(
        compiles=[_run_result(c) for c in raw["compiles"]],
        runs=[[_run_result(cell) for cell in row] for row in raw["runs"]],
        votes=[Vote(**vote) for vote in raw["votes"]],
        difficulty=Difficulty(**raw["difficulty"]),
        pass_rates=raw["pass_rates"],
        isolation_notes=raw["isolation_notes"],
    )
