"""The sandboxed multi-test code judge: run N solutions on M tests, get typed verdicts, majority
votes and a difficulty score. Executed by the Rust extension with the GIL released.

Isolation of every run (see rust/judge and `pool.py` for the box model): own PID, mount, network,
IPC and UTS namespaces; a read-only view of the system with a private tmpfs /tmp; a per-box
unprivileged uid; the environment PATH and LANG only; rlimits; a seccomp filter; cgroup v1
memory and process limits where available; a wall-clock timeout that kills the whole process
tree. Missing isolation raises SandboxError; `dangerously_unsandboxed=True` is the only way to
run without it. Python solutions run as `python3 main.py` would (shutdown included), with the
standard library only unless `python_packages` says more.
"""

from pysynth.judge.config import SANDBOX_FIELDS, Comparison, JudgeConfig, Language, Solution, Test, parse_bytes, parse_seconds
from pysynth.judge.pool import Pool, run, shared_pool
from pysynth.judge.results import Difficulty, JudgeResult, RunResult, Verdict, Vote

__all__ = [
    "SANDBOX_FIELDS",
    "Comparison",
    "Difficulty",
    "JudgeConfig",
    "JudgeResult",
    "Language",
    "Pool",
    "RunResult",
    "Solution",
    "Test",
    "Verdict",
    "Vote",
    "parse_bytes",
    "parse_seconds",
    "run",
    "shared_pool",
]
