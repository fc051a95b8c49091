"""pysynth.rewards.sandbox_fusion without HTTP: how a request's limits become the judge call, and
how each verdict becomes SandboxFusion's answer."""

from __future__ import annotations

from typing import get_args

import pytest

from pysynth import judge as J
from pysynth.rewards import sandbox_fusion as sf

BASE = J.JudgeConfig.build(memory_limit="1G", workers=4)


def request(**fields: object) -> sf.RunCodeRequest:
    return sf.RunCodeRequest.model_validate({"code": "print(1)", "language": "python", **fields})


def test_run_timeout_is_the_cpu_and_wall_limit_capped_by_the_server() -> None:
    call = sf.call_config(request(run_timeout=3), BASE, 60)
    assert (call.time_limit, call.wall_time_limit) == (3, 3)
    assert sf.call_config(request(run_timeout=600), BASE, 60).time_limit == 60


@pytest.mark.parametrize("megabytes, limit", [(512, 512 << 20), (4, 16 << 20), (-1, 1 << 30), (0, 1 << 30)])
def test_memory_limit_mb_is_the_runs_memory_and_unlimited_means_the_servers_default(megabytes: int, limit: int) -> None:
    assert sf.call_config(request(memory_limit_MB=megabytes), BASE, 60).memory_limit == limit


def test_one_request_leases_one_sandbox() -> None:
    assert sf.call_config(request(), BASE, 60).workers == 1


def test_sandboxfusions_language_names_map_onto_the_judges() -> None:
    assert sf.LANGUAGES["nodejs"] == "javascript" and sf.LANGUAGES["cpp"] == "cpp"
    assert set(sf.LANGUAGES.values()) == set(get_args(J.Language)), "every judge language has a name"
    assert set(sf.LANGUAGES) == set(get_args(sf.SandboxLanguage)), "the request accepts exactly the mapped names"


def cell(verdict: J.Verdict | None, *, exit_code: int | None = None, signal: int | None = None,
         fault: str | None = None) -> J.RunResult:
    return J.RunResult(verdict, fault, "boom" if fault else None, exit_code, signal, 0.1, 0.2, 1 << 20, b"out", b"err")


ANSWERS = {
    "finished": (cell(J.Verdict.FINISHED), "Success", "Finished", 0),
    "time limit": (cell(J.Verdict.TIME_LIMIT_EXCEEDED), "Failed", "TimeLimitExceeded", None),
    "exit code": (cell(J.Verdict.RUNTIME_ERROR, exit_code=3), "Failed", "Finished", 3),
    "signal": (cell(J.Verdict.RUNTIME_ERROR, signal=11), "Failed", "Finished", -11),
    "output limit": (cell(J.Verdict.OUTPUT_LIMIT_EXCEEDED), "Failed", "Finished", -9),
}


@pytest.mark.parametrize("ran, status, run_status, return_code", ANSWERS.values(), ids=ANSWERS.keys())
def test_each_verdict_has_sandboxfusions_status_and_keeps_pysynths(ran: J.RunResult, status: str, run_status: str,
                                                                  return_code: int | None) -> None:
    answer = sf.response("python", cell(J.Verdict.FINISHED), ran)
    assert (answer["status"], answer["run_result"]["status"], answer["run_result"]["return_code"]) == (
        status, run_status, return_code)
    assert ran.verdict is not None
    assert answer["compile_result"] is None and answer["pysynth_verdict"] == ran.verdict.value


def test_a_fault_is_a_sandbox_error_never_a_verdict() -> None:
    answer = sf.response("cpp", cell(J.Verdict.FINISHED), cell(None, fault="InternalError"))
    assert (answer["status"], answer["message"], answer["pysynth_verdict"]) == ("SandboxError", "InternalError: boom",
                                                                                 "InternalError")
