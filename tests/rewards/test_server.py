"""`pysynth judge-server` over real HTTP, with requests shaped as verl's SandboxFusion client sends
them and its answers read the way that client reads them (`verl_case_result` below)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from pysynth import judge as J
from pysynth.rewards.server import ServerSettings, ServerThread

LIMITS: dict[str, Any] = {"time_limit": "1s", "memory_limit": "256M", "output_limit": "1M", "report_bytes": 1 << 20}


def verl_payload(code: str, stdin: str | None = None, language: str = "python", timeout: int = 10,
                 memory_mb: int = 1024) -> str:
    """verl/utils/reward_score/sandbox_fusion/utils.py, `call_sandbox_api` (memory: its default 1024)."""
    return json.dumps({"compile_timeout": timeout, "run_timeout": timeout, "code": code, "stdin": stdin,
                       "memory_limit_MB": memory_mb, "language": language, "files": {}, "fetch_files": []})


def verl_case_result(answer: dict[str, Any], expected: str | None) -> bool | int:
    """verl's `_process_single_case` decision: True/False, -1 sandbox error, -2 runtime error,
    -3 timeout, -4 compile error."""
    compile_result, run_result = answer.get("compile_result"), answer.get("run_result")
    if answer["status"] == "SandboxError":
        return -1
    if answer["status"] == "Failed":
        if compile_result and (compile_result["status"] in ("Error", "TimeLimitExceeded")
                               or (compile_result["status"] == "Finished" and compile_result["return_code"] != 0)):
            return -4
        if run_result and run_result["status"] == "TimeLimitExceeded":
            return -3
        if run_result and (run_result["status"] == "Error" or run_result["return_code"] != 0):
            return -2
        return -1
    if answer["status"] == "Success" and run_result and run_result["status"] == "Finished":
        return expected is None or str(run_result["stdout"] or "").rstrip("\n") == expected.rstrip("\n")
    return -1


@pytest.fixture(scope="module")
def pool() -> Iterator[J.Pool]:
    with J.Pool(J.JudgeConfig.build(workers=2, **LIMITS)) as shared:
        yield shared


@pytest.fixture(scope="module")
def server(pool: J.Pool) -> Iterator[ServerThread]:
    with ServerThread(ServerSettings.build(port=0, judge=pool.config), pool) as running:
        yield running


def post(server: ServerThread, body: str | bytes, **headers: str) -> requests.Response:
    return requests.post(f"{server.url}/run_code", data=body, timeout=30,
                         headers={"Content-Type": "application/json", "Accept": "application/json", **headers})


def run_code(server: ServerThread, code: str, stdin: str | None = None, **options: Any) -> dict[str, Any]:
    response = post(server, verl_payload(code, stdin, **options))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


DOUBLE = "print(int(input()) * 2)"
CASES = {
    "accepted": (DOUBLE, "21\n", "42\n", "python", True, "Finished"),
    "wrong answer": (DOUBLE, "21\n", "41\n", "python", False, "Finished"),
    "time limit": ("while True:\n    pass", "", None, "python", -3, "TimeLimitExceeded"),
    "runtime error": ("raise SystemExit(3)", "", None, "python", -2, "RuntimeError"),
    "signal": ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", "", None, "python", -2, "RuntimeError"),
    "memory": ("x = bytearray(200 << 20)\nprint(len(x))", "", None, "python", -2, "MemoryLimitExceeded"),
    "compile error": ("int main() { return 0", "", None, "cpp", -4, "CompileError"),
    "cpp accepted": ('#include <cstdio>\nint main(){long n; scanf("%ld", &n); printf("%ld\\n", 2 * n);}', "21\n", "42",
                     "cpp", True, "Finished"),
    "nodejs": ("const n = Number(require('fs').readFileSync(0, 'utf8'));\nconsole.log(2 * n);", "21\n", "42\n",
               "nodejs", True, "Finished"),
}


@pytest.mark.parametrize("code, stdin, expected, language, verl_result, verdict", CASES.values(), ids=CASES.keys())
def test_verl_reads_each_outcome_as_it_would_from_sandboxfusion(
        server: ServerThread, code: str, stdin: str, expected: str | None, language: str, verl_result: bool | int,
        verdict: str) -> None:
    answer = run_code(server, code, stdin, language=language, timeout=1 if verdict == "TimeLimitExceeded" else 10,
                      memory_mb=64 if verdict == "MemoryLimitExceeded" else 1024)
    assert verl_case_result(answer, expected) == verl_result, answer
    assert answer["pysynth_verdict"] == verdict and answer["message"] == "", answer
    assert set(answer) >= {"status", "message", "compile_result", "run_result", "files"}


def test_a_python_syntax_error_is_a_failed_run_as_in_sandboxfusion(server: ServerThread) -> None:
    answer = run_code(server, "x = (")
    assert answer["compile_result"] is None and answer["status"] == "Failed"
    assert answer["run_result"]["return_code"] == 1 and "SyntaxError" in answer["run_result"]["stderr"]


def test_a_compiled_language_reports_its_compile_step(server: ServerThread) -> None:
    answer = run_code(server, CASES["cpp accepted"][0], "5\n", language="cpp")
    assert answer["compile_result"]["status"] == "Finished" and answer["compile_result"]["return_code"] == 0
    assert answer["run_result"]["stdout"] == "10\n"


def test_an_unknown_language_is_refused_in_sandboxfusions_422_shape(server: ServerThread) -> None:
    response = post(server, verl_payload("<?php echo 1;", language="php"))
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "language"] and error["type"] == "literal_error" and error["input"] == "php"


def test_a_request_without_code_is_a_422_naming_the_field(server: ServerThread) -> None:
    response = post(server, json.dumps({"language": "python"}))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "code"]


def test_malformed_json_is_a_400_with_one_line(server: ServerThread) -> None:
    response = post(server, '{"code": "print(1)", ')
    detail = response.json()["detail"]
    assert response.status_code == 400 and detail.startswith("malformed JSON") and "\n" not in detail


def test_files_the_judge_cannot_place_are_a_sandbox_error_not_a_silent_run(server: ServerThread) -> None:
    payload = {**json.loads(verl_payload("print(open('a.txt').read())")), "files": {"a.txt": "aGk="}}
    answer = post(server, json.dumps(payload)).json()
    assert answer["status"] == "SandboxError" and "files" in answer["message"]


def test_ping_answers_pong(server: ServerThread) -> None:
    assert requests.get(f"{server.url}/v1/ping", timeout=5).json() == "pong"


def test_concurrent_requests_answer_as_each_does_alone(server: ServerThread) -> None:
    programs = [(DOUBLE, f"{n}\n") for n in range(12)] + [("raise SystemExit(4)", ""), ("print('x' * 5000)", "")]
    alone = [run_code(server, code, stdin) for code, stdin in programs]
    with ThreadPoolExecutor(8) as threads:
        together = list(threads.map(lambda program: run_code(server, *program), programs))
    for first, second in zip(alone, together):
        assert (first["status"], first["run_result"]["stdout"], first["run_result"]["return_code"]) == (
            second["status"], second["run_result"]["stdout"], second["run_result"]["return_code"])
    assert [answer["run_result"]["stdout"] for answer in together[:12]] == [f"{2 * n}\n" for n in range(12)]


def test_a_bearer_token_is_required_when_set(pool: J.Pool) -> None:
    with ServerThread(ServerSettings.build(port=0, token="s3cret", judge=pool.config), pool) as server:
        assert post(server, verl_payload(DOUBLE, "1\n")).status_code == 401
        assert post(server, verl_payload(DOUBLE, "1\n"), Authorization="Bearer wrong").status_code == 401
        allowed = post(server, verl_payload(DOUBLE, "1\n"), Authorization="Bearer s3cret")
        assert allowed.status_code == 200 and allowed.json()["run_result"]["stdout"] == "2\n"
        assert requests.get(f"{server.url}/v1/ping", timeout=5).status_code == 200


def test_a_body_over_the_limit_is_a_413(pool: J.Pool) -> None:
    with ServerThread(ServerSettings.build(port=0, max_body=4096, judge=pool.config), pool) as server:
        response = post(server, verl_payload("# " + "x" * 8000))
        assert response.status_code == 413 and "4096" in response.json()["detail"]
        assert post(server, verl_payload(DOUBLE, "1\n")).status_code == 200


def test_requests_beyond_the_queue_bound_get_503_and_the_rest_are_served(pool: J.Pool) -> None:
    settings = ServerSettings.build(port=0, max_concurrency=1, max_queue=1, judge=pool.config)
    with ServerThread(settings, pool) as server:
        answers: list[requests.Response] = []
        slow = verl_payload("import time\ntime.sleep(2.0)\nprint('done')", timeout=5)

        def send() -> None:
            answers.append(post(server, slow))

        senders = [threading.Thread(target=send) for _ in range(2)]
        for sender in senders:  # one runs, one queues
            sender.start()
        deadline = time.monotonic() + 10
        while server.service.admitted < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.service.admitted == 2, "the two slow requests were not admitted"
        refused = post(server, verl_payload(DOUBLE, "1\n"))
        for sender in senders:
            sender.join()
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1", refused.text
        assert [answer.json()["run_result"]["stdout"] for answer in answers] == ["done\n", "done\n"]
