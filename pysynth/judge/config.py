"""The judge's configuration: one value per call, whose sandbox half (`SANDBOX_FIELDS`) also
builds pools. Sizes accept `256M`; times `2s`."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pysynth.config import FrozenConfig
from pysynth.judge import toolchains


Language = Literal["python", "cpp", "c", "java", "go", "rust", "javascript"]
Comparison = Literal["tokens", "exact", "lines", "float", "lcb", "lenient", "call", "checker"]

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30}
_TIMES = {"": 1.0, "s": 1.0, "ms": 1e-3}


def default_scratch_dir() -> str:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        mounts = []
    on_tmpfs = any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts if len(line.split()) > 2)
    return "/dev/shm" if on_tmpfs and os.access("/dev/shm", os.W_OK | os.X_OK) else tempfile.gettempdir()


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


SANDBOX_FIELDS = ("dangerously_unsandboxed", "use_cgroups", "python", "python_prefix", "python_packages",
                  "toolchain_dirs", "scratch_dir", "uid_first", "uid_count", "inject_fault")


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
    """tokens/exact/lines/float: testlib's wcmp/byte equality/lcmp/rcmp; `lcb`: LiveCodeBench's
    stdin rule (stripped lines equal, or equal as Decimals); `lenient`: the TACO/APPS cascade, its
    accepting stage in `RunResult.accepted_by`; `call`: JSON return values equal under Python's
    `==`, or equal to the first item of a list reference (TACO's `out == exp or out == exp[0]`)."""
    float_absolute: float = Field(1e-6, ge=0)
    float_relative: float = Field(1e-6, ge=0)
    workers: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1)
    """Sandboxes run at once: a pool's size, and how many workers one call leases at most."""
    stop_on_first_failure: bool = False
    """Stop each solution at its first test that is not Accepted (Finished, without expected
    outputs); its later tests are reported Skipped. For verification and all-pass rewards."""
    dangerously_unsandboxed: bool = False
    use_cgroups: bool = True
    """Use cgroup v1 memory/process limits when available; without them memory is bounded by
    RLIMIT_AS alone and processes by RLIMIT_NPROC (said in `isolation_notes`)."""
    python: str = Field(default_factory=lambda: os.path.realpath(sys.executable))
    python_prefix: str = Field(default_factory=lambda: os.path.realpath(sys.base_prefix))
    python_packages: tuple[str, ...] = ()
    """Directories of extra packages (e.g. a site-packages holding numpy) that Python solutions
    may import, shown read-only in the sandbox. Default: the standard library only."""
    uid_first: int = Field(60_000, ge=10_000)
    uid_count: int = Field(1_000, ge=1, le=1 << 20)
    """Sandbox uids are taken from uid_first .. uid_first + uid_count, one per live worker on the
    host, locked in /run/pysynth-judge so concurrent judges never share one."""
    inject_fault: Literal["read_stdout", "seal"] | None = None
    """For tests of the judge itself: make one bookkeeping step fail, to show it is a fault."""
    cpp_compiler: str = "/usr/bin/g++"
    cpp_flags: tuple[str, ...] = ("-std=c++17", "-O2", "-pipe")
    c_compiler: str = "/usr/bin/gcc"
    c_flags: tuple[str, ...] = ("-std=gnu11", "-O2", "-pipe")
    java_home: str = Field(default_factory=toolchains.find_java_home)
    go_root: str = Field(default_factory=toolchains.find_go_root)
    rust_sysroot: str | None = Field(default_factory=toolchains.find_rust_sysroot)
    """rustc is `rust_sysroot/bin/rustc`; default: the sysroot of the rustc on PATH."""
    node: str = Field(default_factory=toolchains.find_node)
    scratch_dir: str = Field(default_factory=lambda: default_scratch_dir())
    """Where pools make their directories (inputs, compiled solutions, outputs kept for votes).
    Default: /dev/shm when it is a tmpfs (creating a file there costs microseconds; on a disk it
    can cost half a millisecond, several per run), else the system's temporary directory."""
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

    @model_validator(mode="after")
    def _uids_fit(self) -> JudgeConfig:
        if self.uid_first + self.uid_count > 1 << 31:
            raise ValueError("uid_first + uid_count must stay below 2**31")
        return self

    @field_validator("python_packages", mode="after")
    @classmethod
    def _real_directories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(os.path.realpath(path) for path in value)

    @property
    def toolchain_dirs(self) -> tuple[str, ...]:
        """Toolchains outside the system directories, which pools show read-only."""
        return toolchains.outside_system_dirs([self.java_home, self.go_root, self.rust_sysroot, self.node])

    def sandbox_key(self) -> tuple[Any, ...]:
        """The fields a pool is built from: calls on one pool must agree on them."""
        return tuple(getattr(self, name) for name in SANDBOX_FIELDS)

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


