"""The fault-injecting test server, checked over real HTTP against its own process.

Other tests trust this server's answers and faults to judge the LLM client, so each promise it makes
(deterministic replies, every fault kind, `times`, stats, keep-alive, no leaked processes) is pinned here.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import aiohttp
import pytest

from tests.support.openai_server import REPO_ROOT, OpenAIServer

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(url: str, payload: Any = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; POST when there is a payload. Error statuses are returned."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with NO_PROXY.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def server(openai_server_module: OpenAIServer) -> OpenAIServer:
    """The module's shared server with no faults and zeroed stats (a process per test costs ~0.3 s)."""
    openai_server_module.set_faults([])
    return openai_server_module


def chat(server: OpenAIServer, content: str, **extra: Any) -> tuple[int, dict[str, str], bytes]:
    body = {"model": "m-1", "messages": [{"role": "user", "content": content}], **extra}
    return call(server.base_url + "/chat/completions", body)


def chat_json(server: OpenAIServer, content: str, **extra: Any) -> dict[str, Any]:
    status, _, body = chat(server, content, **extra)
    assert status == 200, body
    result: dict[str, Any] = json.loads(body)
    return result


def test_chat_reply_is_deterministic_and_openai_shaped(server: OpenAIServer) -> None:
    first = chat_json(server, "two words")
    second = chat_json(server, "two words")
    assert first["choices"] == second["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "reply to: two words"}, "logprobs": None,
         "finish_reason": "stop"}
    ]
    assert first["object"] == "chat.completion" and first["model"] == "m-1"
    assert first["id"].startswith("chatcmpl-") and first["id"] != second["id"]
    assert isinstance(first["created"], int)


def test_reply_answers_the_last_message_and_usage_counts_words(server: OpenAIServer) -> None:
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "one two three"}]
    status, _, body = call(server.base_url + "/chat/completions", {"model": "m", "messages": messages})
    result = json.loads(body)
    assert status == 200 and result["choices"][0]["message"]["content"] == "reply to: one two three"
    assert result["usage"] == {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}


def test_n_choices_get_numbered_suffixes(server: OpenAIServer) -> None:
    result = chat_json(server, "hi", n=3)
    contents = [c["message"]["content"] for c in result["choices"]]
    assert contents == ["reply to: hi", "reply to: hi #1", "reply to: hi #2"]
    assert [c["index"] for c in result["choices"]] == [0, 1, 2]
    assert result["usage"]["completion_tokens"] == 3 + 4 + 4


def test_max_tokens_truncates_words_and_reports_length(server: OpenAIServer) -> None:
    result = chat_json(server, "a b c d", max_tokens=3, n=2)
    assert [c["message"]["content"] for c in result["choices"]] == ["reply to: a", "reply to: a"]
    assert [c["finish_reason"] for c in result["choices"]] == ["length", "length"]
    assert chat_json(server, "a", max_tokens=3)["choices"][0]["finish_reason"] == "stop"


def test_completions_endpoint(server: OpenAIServer) -> None:
    status, _, body = call(server.base_url + "/completions", {"model": "c", "prompt": "x y", "n": 2})
    result = json.loads(body)
    assert status == 200 and result["object"] == "text_completion" and result["model"] == "c"
    assert [c["text"] for c in result["choices"]] == ["reply to: x y", "reply to: x y #1"]
    assert result["usage"] == {"prompt_tokens": 2, "completion_tokens": 9, "total_tokens": 11}


@pytest.mark.parametrize(
    "extra",
    [{"response_format": {"type": "json_object"}},
     {"response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}}},
     {"json_schema": '{"type": "object"}'}],
    ids=["json_object", "response_format_json_schema", "sglang_json_schema"],
)
def test_json_modes_answer_json_text(server: OpenAIServer, extra: dict[str, Any]) -> None:
    content = chat_json(server, "hi there", **extra)["choices"][0]["message"]["content"]
    assert json.loads(content) == {"reply": "reply to: hi there"}


def test_sglang_extras_are_accepted(server: OpenAIServer) -> None:
    extras = {"regex": "[a-z]+", "top_k": 5, "min_p": 0.1, "seed": 7, "logprobs": False, "temperature": 0.3}
    assert chat_json(server, "hi", **extras)["choices"][0]["message"]["content"] == "reply to: hi"


def test_bad_requests_get_openai_errors(server: OpenAIServer) -> None:
    status, _, body = call(server.base_url + "/chat/completions", {"model": "m"})
    assert status == 400 and "messages" in json.loads(body)["error"]["message"]
    assert call(server.base_url + "/nope")[0] == 404
    assert call(server.base_url + "/models", {"x": 1})[0] == 405


def test_health_and_models(server: OpenAIServer) -> None:
    assert call(server.root_url + "/health")[::2] == (200, b"OK")
    status, _, body = call(server.base_url + "/models")
    assert status == 200 and json.loads(body)["data"][0]["id"] == "test-model"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_error_status_faults(server: OpenAIServer, status: int) -> None:
    server.set_faults([{"match": "boom", "fault": str(status)}])
    got, headers, body = chat(server, "boom now")
    assert got == status and "injected" in json.loads(body)["error"]["message"]
    assert (headers.get("Retry-After") == "0") == (status == 429), headers
    assert chat(server, "calm")[0] == 200


def test_malformed_and_bad_shape_faults(server: OpenAIServer) -> None:
    server.set_faults([{"match": "mal", "fault": "malformed"}, {"match": "shape", "fault": "bad_shape"}])
    status, _, body = chat(server, "mal")
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    status, _, body = chat(server, "shape")
    assert status == 200 and "choices" not in json.loads(body) and json.loads(body)["object"] == "chat.completion"


def test_reset_fault_drops_the_connection(server: OpenAIServer) -> None:
    server.set_faults([{"match": "cut", "fault": "reset"}])
    with pytest.raises(ConnectionError):  # ConnectionResetError, or RemoteDisconnected (a subclass)
        chat(server, "cut")
    assert chat(server, "fine")[0] == 200


async def post_chat(session: aiohttp.ClientSession, url: str, content: str, timeout_s: float = 10) -> float:
    """Seconds one chat request took to answer 200."""
    start = time.perf_counter()
    body = {"model": "m", "messages": [{"role": "user", "content": content}]}
    async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
        assert response.status == 200, await response.text()
        await response.json()
    return time.perf_counter() - start


def test_hang_fault_never_answers_but_others_are_served(server: OpenAIServer) -> None:
    server.set_faults([{"match": "stuck", "fault": "hang"}])
    url = server.base_url + "/chat/completions"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            hung = asyncio.create_task(post_chat(session, url, "stuck", timeout_s=0.5))
            await post_chat(session, url, "fast", timeout_s=5)
            with pytest.raises(asyncio.TimeoutError):
                await hung

    asyncio.run(scenario())
    assert server.stats()["faults"] == {"hang": 1}


def test_slow_fault_does_not_block_a_concurrent_request(server: OpenAIServer) -> None:
    server.set_faults([{"match": "slow", "fault": "slow", "delay_s": 1.0}])
    url = server.base_url + "/chat/completions"

    async def scenario() -> tuple[float, float]:
        async with aiohttp.ClientSession() as session:
            slow = asyncio.create_task(post_chat(session, url, "slow"))
            await asyncio.sleep(0.05)
            fast = await post_chat(session, url, "fast")
            return await slow, fast

    slow_s, fast_s = asyncio.run(scenario())
    assert slow_s >= 0.95 and fast_s < 0.8, (slow_s, fast_s)


def test_pipelined_requests_are_answered_in_order(server: OpenAIServer) -> None:
    server.set_faults([{"match": "first", "fault": "slow", "delay_s": 0.3}])
    requests = b""
    for content in ("first", "second"):
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]}).encode()
        requests += b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(requests)
        received = b""
        while received.count(b"reply to: ") < 2:
            chunk = sock.recv(65536)
            assert chunk, f"server closed early after {received!r}"
            received += chunk
    assert received.index(b"reply to: first") < received.index(b"reply to: second")


def test_times_counts_down_then_answers_normally(server: OpenAIServer) -> None:
    server.set_faults([{"match": "flaky", "fault": "500", "times": 2}])
    assert [chat(server, "flaky")[0] for _ in range(4)] == [500, 500, 200, 200]
    server.set_faults([{"match": "flaky", "fault": "500", "times": 1}])  # new rules, new counters
    assert [chat(server, "flaky")[0] for _ in range(2)] == [500, 200]


def test_first_applicable_rule_wins(server: OpenAIServer) -> None:
    server.set_faults([{"match": "alpha", "fault": "500", "times": 1}, {"match": "", "fault": "503"}])
    assert [chat(server, text)[0] for text in ("alpha", "alpha", "beta")] == [500, 503, 503]


def test_faults_given_at_start() -> None:
    with OpenAIServer([{"match": "", "fault": "429", "times": 1}]) as server:
        assert [chat(server, "x")[0] for _ in range(2)] == [429, 200]


def test_invalid_rules_are_rejected(server: OpenAIServer) -> None:
    with pytest.raises(ValueError, match="fault one of"):
        server.set_faults([{"match": "", "fault": "explode"}])
    with pytest.raises(ValueError, match="keys"):
        server.set_faults([{"match": "", "fault": "500", "when": "always"}])


def test_stats_count_requests_faults_and_matches(server: OpenAIServer) -> None:
    server.set_faults([{"match": "bad", "fault": "500", "times": 1}, {"match": "", "fault": "slow"}])
    for text in ("bad", "bad", "good"):
        chat(server, text)
    call(server.root_url + "/health")
    stats = server.stats()
    assert stats["requests"] == 4
    assert stats["by_path"] == {"/v1/chat/completions": 3, "/health": 1}
    assert stats["faults"] == {"500": 1, "slow": 2}
    assert stats["requests_by_match"] == {"bad": 2, "": 3}
    assert stats["last_body"]["messages"][-1]["content"] == "good"
    assert stats["answered"] == 2 and stats["in_flight"]["peak"] == 1, stats  # "slow" answers, a 500 does not
    server.reset()
    assert server.stats() == {"requests": 0, "connections": 0, "by_path": {}, "faults": {},
                              "requests_by_match": {"bad": 0, "": 0}, "last_body": None, "answered": 0,
                              "in_flight": {"mean": 0.0, "mean_while_arriving": 0.0, "peak": 0, "seconds": 0.0,
                                            "now": 0},
                              "latency": {"spec": None, "mean_s": None}, "prompts": {"new": 0, "repeated": 0}}


def test_keep_alive_serves_many_requests_on_one_connection(server: OpenAIServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "again"}]})
    for _ in range(5):
        connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["choices"]
    connection.close()
    stats = server.stats()
    assert stats["requests"] == 5 and stats["connections"] == 1, stats


def test_stop_ends_the_process(openai_server: OpenAIServer) -> None:
    pid = openai_server.pid
    openai_server.stop()
    assert not process_alive(pid)


def process_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie waiting for its (new) parent to reap it counts as ended."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_server_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from tests.support.openai_server import OpenAIServer\n"
         "print(OpenAIServer().start().pid, flush=True); time.sleep(60)"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while process_alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(server_pid), f"server {server_pid} outlived its killed parent"


def test_latency_is_drawn_from_the_prompt_and_the_same_every_time() -> None:
    with OpenAIServer(latency="lognormal:median=0.05,sigma=1") as server:
        assert server.latency is not None
        for prompt in ("same prompt", "same prompt", "another prompt"):
            server.reset()
            started = time.perf_counter()
            chat_json(server, prompt)
            took = time.perf_counter() - started
            applied = server.stats()["latency"]["mean_s"]
            assert applied == pytest.approx(server.latency.seconds(prompt)), (prompt, applied)
            assert took >= applied, f"{prompt!r} answered in {took:.3f} s, before its latency {applied:.3f} s"
        assert server.latency.seconds("same prompt") != server.latency.seconds("another prompt")


def test_latency_sleeps_without_blocking_other_requests() -> None:
    with OpenAIServer(latency="lognormal:median=0.2,sigma=0") as server:
        url = server.base_url + "/chat/completions"

        async def scenario() -> list[float]:
            async with aiohttp.ClientSession() as session:
                return list(await asyncio.gather(*(post_chat(session, url, f"parallel {i}") for i in range(50))))

        started = time.perf_counter()
        each = asyncio.run(scenario())
        total = time.perf_counter() - started
        stats = server.stats()
    assert min(each) >= 0.2, f"an answer came before its 0.2 s latency: {min(each):.3f} s"
    assert total < 2.0, f"50 requests of 0.2 s took {total:.2f} s: the server answers them one after another"
    assert stats["answered"] == 50 and stats["in_flight"]["peak"] == 50, stats


def test_in_flight_mean_is_time_weighted() -> None:
    # Two requests of 0.3 s together, then one alone: 2 in flight for 0.3 s, then 1 for 0.3 s.
    with OpenAIServer(latency="lognormal:median=0.3,sigma=0") as server:
        url = server.base_url + "/chat/completions"

        async def scenario() -> None:
            async with aiohttp.ClientSession() as session:
                await asyncio.gather(post_chat(session, url, "a"), post_chat(session, url, "b"))
                await post_chat(session, url, "c")

        asyncio.run(scenario())
        in_flight = server.stats()["in_flight"]
    assert in_flight["mean"] == pytest.approx(1.5, rel=0.08), in_flight
    assert in_flight["mean_while_arriving"] == pytest.approx(2.0, rel=0.08), in_flight  # stops when "c" arrives
    assert in_flight["seconds"] == pytest.approx(0.6, rel=0.1) and in_flight["peak"] == 2, in_flight
    assert in_flight["now"] == 0


def test_prompts_answered_before_a_reset_count_as_repeated(openai_server: OpenAIServer) -> None:
    for prompt in ("a", "b"):
        chat_json(openai_server, prompt)
    openai_server.reset()
    for prompt in ("a", "c"):
        chat_json(openai_server, prompt)
    stats = openai_server.stats()
    assert stats["answered"] == 2 and stats["prompts"] == {"new": 1, "repeated": 1}, stats


def test_a_bad_latency_is_refused_before_and_at_start() -> None:
    with pytest.raises(ValueError, match="lognormal:median=SECONDS,sigma=NUMBER"):
        OpenAIServer(latency="lognormal:median=0,sigma=1")
    started = subprocess.run([sys.executable, "-m", "tests.support.openai_server", "--latency", "normal:1"],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert started.returncode == 2 and "lognormal:median=SECONDS" in started.stderr, started.stderr
