"""The part of SandboxFusion's HTTP API that RL trainers call, spoken by pysynth's judge.

SandboxFusion (bytedance/SandboxFusion, `sandbox/server/sandbox_api.py`) runs one program on one
stdin per `POST /run_code`; verl's client (`verl/utils/reward_score/sandbox_fusion/utils.py`) sends
`{code, language, stdin, compile_timeout, run_timeout, memory_limit_MB, files: {}, fetch_files: []}`
once per test and compares `run_result.stdout` with the expected output itself. The request and
the answer keep SandboxFusion's fields; how each is honoured here:

- `language`: SandboxFusion's names the judge runs (`python`, `cpp`, `java`, `go`, `rust`,
  `nodejs`; also `javascript` and `c`). Any other name is refused the way SandboxFusion refuses a
  name it does not know: FastAPI's 422 `{"detail": [{"type": "literal_error", "loc": ["body",
  "language"], ...}]}`.
- `run_timeout`: the CPU and the wall-clock limit of the run (SandboxFusion's is wall-clock),
  capped by the server's maximum. `compile_timeout` is read but the judge's compiler limits are
  its own (60 s wall), since a compile-time bomb must stay bounded whatever a client asks.
- `memory_limit_MB`: the run's memory limit (at least 16 MB); -1 or 0, SandboxFusion's
  "unlimited", means the server's default.
- `files` and `fetch_files`: the judge gives a program its stdin and a private /tmp only, so a
  request that names files is answered `SandboxError` rather than run without them.

The answer: `status` "Success" (ran and exited 0), "Failed" (compile error, time limit, non-zero
exit) or "SandboxError" (the judge faulted), `compile_result` for compiled languages, and
`run_result` `{status: "Finished" | "TimeLimitExceeded" | "Error", execution_time, return_code,
stdout, stderr}`. A syntax error of an interpreted language (Python, JavaScript) is reported as
SandboxFusion reports it, a run that exits 1, not a compile result. Limits SandboxFusion does not
have (memory, output) end the run as a kill would: `return_code` is the process's own, else minus
its signal, else -9 (the judge stopped it). pysynth's own verdict rides along in `pysynth_verdict`:
`Finished` (no expected output is sent, so never Accepted), `TimeLimitExceeded`,
`MemoryLimitExceeded`, `OutputLimitExceeded`, `RuntimeError`, `CompileError`, or the fault's name
(`SandboxError`, `InternalError`), with `pysynth_cpu_time` (s) and `pysynth_peak_memory` (bytes).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from pysynth import judge
from pysynth.judge import JudgeConfig, Verdict

LANGUAGES: dict[str, judge.Language] = {
    "python": "python", "cpp": "cpp", "java": "java", "go": "go", "rust": "rust", "nodejs": "javascript",
    "javascript": "javascript", "c": "c",
}
"""SandboxFusion's language names (and pysynth's `javascript` and `c`) -> the judge's."""
INTERPRETED: frozenset[judge.Language] = frozenset({"python", "javascript"})
SandboxLanguage = Literal["python", "cpp", "java", "go", "rust", "nodejs", "javascript", "c"]
KILLED = -9
MIB = 1 << 20


class RunCodeRequest(BaseModel):
    """SandboxFusion's `RunCodeRequest`; unknown fields are ignored, as there."""

    code: str
    language: SandboxLanguage
    stdin: str | None = None
    compile_timeout: float = 10
    run_timeout: float = Field(10, gt=0)
    memory_limit_MB: int = -1
    files: dict[str, str | None] = {}
    fetch_files: list[str] = []


def call_config(request: RunCodeRequest, base: JudgeConfig, max_run_timeout: float) -> JudgeConfig:
    """The judge call for `request`: its time and memory on the server's sandbox, one sandbox."""
    seconds = min(request.run_timeout, max_run_timeout)
    memory = max(request.memory_limit_MB * MIB, 16 * MIB) if request.memory_limit_MB > 0 else base.memory_limit
    return JudgeConfig.build(base, time_limit=seconds, wall_time_limit=seconds, memory_limit=memory, workers=1)


def unsupported(request: RunCodeRequest) -> str | None:
    """Why the judge cannot honour `request` as SandboxFusion would, or None."""
    if any(isinstance(content, str) for content in request.files.values()) or request.fetch_files:
        return "files and fetch_files are not supported by pysynth's judge-server: a program gets its stdin only"
    return None


def run(pool: judge.Pool, request: RunCodeRequest, config: JudgeConfig) -> dict[str, Any]:
    """Judges `request` on `pool` and answers as SandboxFusion's `RunCodeResponse`."""
    reason = unsupported(request)
    if reason is not None:
        return sandbox_error(reason)
    language = LANGUAGES[request.language]
    result = pool.run([judge.Solution(language, request.code)], [judge.Test(request.stdin or "", None)], config)
    return response(language, result.compiles[0] if result.compiles else None, result.runs[0][0])


def response(language: judge.Language, compiled: judge.RunResult | None, ran: judge.RunResult) -> dict[str, Any]:
    for cell in (compiled, ran):
        if cell is not None and cell.fault:
            return {**sandbox_error(f"{cell.fault}: {cell.fault_message}"), "pysynth_verdict": cell.fault}
    compile_result = None
    if compiled is not None and language not in INTERPRETED:
        failed = compiled.verdict == Verdict.COMPILE_ERROR
        compile_result = _command("Finished", compiled, (compiled.exit_code or 1) if failed else 0)
    if compiled is not None and compiled.verdict == Verdict.COMPILE_ERROR:
        run_result = None if compile_result else _command("Finished", compiled, compiled.exit_code or 1)
        return _answer("Failed", compile_result, run_result, Verdict.COMPILE_ERROR, compiled)
    assert ran.verdict is not None
    if ran.verdict == Verdict.TIME_LIMIT_EXCEEDED:
        return _answer("Failed", compile_result, _command("TimeLimitExceeded", ran, None), ran.verdict, ran)
    if ran.verdict.is_valid_execution:
        return _answer("Success", compile_result, _command("Finished", ran, 0), Verdict.FINISHED, ran)
    code = ran.exit_code or (-ran.signal if ran.signal else KILLED)
    return _answer("Failed", compile_result, _command("Finished", ran, code), ran.verdict, ran)


def sandbox_error(message: str) -> dict[str, Any]:
    return {"status": "SandboxError", "message": message, "compile_result": None,
            "run_result": None, "executor_pod_name": None, "files": {}}


def _command(status: str, cell: judge.RunResult, return_code: int | None) -> dict[str, Any]:
    return {"status": status, "execution_time": cell.wall_time, "return_code": return_code,
            "stdout": cell.stdout.decode(errors="replace"), "stderr": cell.stderr.decode(errors="replace")}


def _answer(status: str, compile_result: dict[str, Any] | None, run_result: dict[str, Any] | None, verdict: Verdict,
            cell: judge.RunResult) -> dict[str, Any]:
    return {"status": status, "message": "", "compile_result": compile_result, "run_result": run_result,
            "executor_pod_name": None, "files": {}, "pysynth_verdict": verdict.value,
            "pysynth_cpu_time": cell.cpu_time, "pysynth_peak_memory": cell.peak_memory}
