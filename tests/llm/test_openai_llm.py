"""`OpenAICompatibleLLM` against a real HTTP server in a child process, faults injected by rule.

Each test matches its faults on a word no other test sends, so the shared server's rules and counters
never leak between tests; backoff is shrunk to milliseconds so retries cost no wall time.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pysynth.errors import ConfigError, LLMRequestError
from pysynth.llm import LLMUsage, OpenAICompatibleLLM
from tests.support.openai_server import OpenAIServer

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as srv:
        yield srv


@pytest.fixture
def make_llm(server: OpenAIServer) -> Iterator[Any]:
    server.set_faults([])
    made: list[OpenAICompatibleLLM] = []

    def make(**overrides: Any) -> OpenAICompatibleLLM:
        config: dict[str, Any] = {"base_url": server.base_url, "model": "test-model", "backoff_base_s": 0.001,
                                  "backoff_max_s": 0.01, "timeout_s": 10}
        llm = OpenAICompatibleLLM(**(config | overrides))
        llm.load()
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.unload()


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "be brief"}, {"role": "user", "content": text}]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_chat_completion_returns_distilabel_output(make_llm: Any) -> None:
    out = run(make_llm().agenerate(chat("two words")))
    assert out == {"generations": ["reply to: two words"],
                   "statistics": {"input_tokens": [4], "output_tokens": [4]}, "finish_reasons": ["stop"]}


def test_num_generations_go_out_as_n_in_one_request(make_llm: Any, server: OpenAIServer) -> None:
    server.set_faults([{"match": "n-three", "fault": "slow", "times": 0}])  # only to count requests
    out = run(make_llm().agenerate(chat("n-three"), num_generations=3))
    assert out["generations"] == ["reply to: n-three", "reply to: n-three #1", "reply to: n-three #2"]
    assert out["statistics"] == {"input_tokens": [3], "output_tokens": [3 + 4 + 4]}
    assert server.stats()["requests_by_match"]["n-three"] == 1


def test_completions_api_takes_a_prompt_or_joins_chat_messages(make_llm: Any) -> None:
    llm = make_llm(api="completions")
    assert run(llm.agenerate("plain prompt"))["generations"] == ["reply to: plain prompt"]
    joined = run(llm.agenerate(chat("last"), num_generations=2))["generations"]
    assert joined == ["reply to: be brief\nlast", "reply to: be brief\nlast #1"]


def test_generation_kwargs_pass_through_and_none_is_dropped(make_llm: Any) -> None:
    llm = make_llm()
    out = run(llm.agenerate(chat("cut me short please"), max_tokens=3, stop=None, temperature=0.0))
    assert out["generations"] == ["reply to: cut"]
    as_json = run(llm.agenerate(chat("json"), max_new_tokens=50, response_format={"type": "json_object"}))
    assert json.loads(as_json["generations"][0]) == {"reply": "reply to: json"}
    structured = run(llm.agenerate((chat("schema"), {"format": "json", "schema": {"type": "object"}})))
    assert json.loads(structured["generations"][0]) == {"reply": "reply to: schema"}


def test_servers_that_ignore_n_are_asked_for_the_missing_answers(make_llm: Any) -> None:
    class OneChoicePerRequest:  # llama-server answers one choice whatever `n` says
        retries, base_url, bodies = 0, "http://stub/v1", list[dict[str, Any]]()

        async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            self.bodies.append(dict(body))
            usage = {"prompt_tokens": 2, "completion_tokens": 1}
            return {"choices": [{"index": 0, "message": {"content": f"answer {len(self.bodies)}"}}], "usage": usage}

    llm = make_llm()
    llm._client = stub = OneChoicePerRequest()
    out = run(llm.agenerate(chat("x"), num_generations=3))
    assert out == {"generations": ["answer 1", "answer 2", "answer 3"],
                   "statistics": {"input_tokens": [6], "output_tokens": [3]}, "finish_reasons": [None] * 3}
    assert [body["n"] for body in stub.bodies] == [3, 2, 1]
    llm._client = None


def test_max_n_splits_generations_over_requests(make_llm: Any) -> None:
    class CountsChoices:  # llama-server refuses an `n` above its slots (HTTP 400): never ask it for more
        retries, base_url, bodies = 0, "http://stub/v1", list[dict[str, Any]]()

        async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            self.bodies.append(dict(body))
            assert body["n"] <= 4, body["n"]
            choices = [{"index": k, "message": {"content": f"answer {len(self.bodies)}.{k}"}} for k in range(body["n"])]
            return {"choices": choices, "usage": {"prompt_tokens": 2, "completion_tokens": body["n"]}}

    llm = make_llm(max_n=4)
    llm._client = stub = CountsChoices()
    out = run(llm.agenerate(chat("x"), num_generations=6))
    assert out["generations"] == ["answer 1.0", "answer 1.1", "answer 1.2", "answer 1.3", "answer 2.0", "answer 2.1"]
    assert [body["n"] for body in stub.bodies] == [4, 2]
    assert out["statistics"] == {"input_tokens": [4], "output_tokens": [6]}
    llm._client = None


@pytest.mark.parametrize("fault", ["500", "429", "503", "reset", "malformed", "bad_shape", "hang"])
def test_transient_faults_are_retried_until_success(make_llm: Any, server: OpenAIServer, fault: str) -> None:
    word = f"transient-{fault}"
    server.set_faults([{"match": word, "fault": fault, "times": 2, "delay_s": 0}])
    llm = make_llm(max_retries=2, timeout_s=0.5)
    out = run(llm.agenerate(chat(word)))
    assert out["generations"] == [f"reply to: {word}"]
    stats = server.stats()
    assert stats["requests_by_match"][word] == 3, stats
    assert stats["faults"] == {fault: 2}, stats
    assert llm.usage().retries == 2


@pytest.mark.parametrize(("fault", "status"), [("503", 503), ("429", 429), ("reset", None), ("bad_shape", 200)])
def test_exhausted_retries_raise_with_status_and_attempts(
    make_llm: Any, server: OpenAIServer, fault: str, status: int | None
) -> None:
    word = f"forever-{fault}"
    server.set_faults([{"match": word, "fault": fault}])
    llm = make_llm(max_retries=3)
    with pytest.raises(LLMRequestError) as caught:
        run(llm.agenerate(chat(word)))
    error = caught.value
    assert (error.attempts, error.status) == (4, status)
    assert server.base_url + "/chat/completions" in str(error) and "4 attempts" in str(error)
    assert server.stats()["requests_by_match"][word] == 4
    assert llm.usage().failures == 1


def test_client_errors_are_not_retried(make_llm: Any, server: OpenAIServer) -> None:
    server.reset()
    with pytest.raises(LLMRequestError) as caught:
        run(make_llm(max_retries=5).agenerate([]))  # the server answers 400: messages must be non-empty
    assert (caught.value.status, caught.value.attempts) == (400, 1)
    assert "non-empty" in str(caught.value), "the server's error message belongs in the exception"
    assert server.stats()["requests"] == 1


def test_a_hanging_request_times_out_per_attempt(make_llm: Any, server: OpenAIServer) -> None:
    server.set_faults([{"match": "hang-forever", "fault": "hang"}])
    started = time.perf_counter()
    with pytest.raises(LLMRequestError, match="timed out") as caught:
        run(make_llm(max_retries=1, timeout_s=0.3).agenerate(chat("hang-forever")))
    elapsed = time.perf_counter() - started
    assert (caught.value.status, caught.value.attempts) == (None, 2)
    assert 0.6 <= elapsed < 3.0, f"two attempts of 0.3 s took {elapsed:.2f} s"


@pytest.mark.parametrize("cap", [4, 16])
def test_max_concurrency_caps_requests_in_flight(make_llm: Any, server: OpenAIServer, cap: int) -> None:
    server.set_faults([{"match": "slowly", "fault": "slow", "delay_s": 0.25}])
    llm = make_llm(max_concurrency=cap)

    async def sixteen() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(llm.agenerate(chat(f"slowly {i}")) for i in range(16)))
        return time.perf_counter() - started

    elapsed = run(sixteen())
    waves = 16 // cap  # with `cap` in flight, 16 requests of 0.25 s take 16/cap rounds
    assert waves * 0.25 <= elapsed < waves * 0.25 + 0.6, f"cap {cap}: 16 slow requests took {elapsed:.2f} s"


def test_sync_generate_and_a_running_loop_share_one_llm(make_llm: Any) -> None:
    llm = make_llm()
    first = llm.generate([chat("sync a"), chat("sync b")], num_generations=2)  # distilabel's private loop
    assert [o["generations"][1] for o in first] == ["reply to: sync a #1", "reply to: sync b #1"]

    async def many() -> list[Any]:
        return list(await asyncio.gather(*(llm.agenerate(chat(f"async {i}")) for i in range(50))))

    assert [o["generations"][0] for o in run(many())] == [f"reply to: async {i}" for i in range(50)]
    assert run(many())[7]["generations"] == ["reply to: async 7"], "a second loop gets its own session"
    assert llm.generate([chat("sync again")])[0]["generations"] == ["reply to: sync again"]


def test_a_distilabel_task_runs_on_it(make_llm: Any) -> None:
    from distilabel.pipeline import Pipeline  # type: ignore[import-untyped]
    from distilabel.steps.tasks import TextGeneration  # type: ignore[import-untyped]

    llm = make_llm(generation_kwargs={"max_new_tokens": 2, "temperature": 0.5})
    with Pipeline(name="llm-test"):
        task = TextGeneration(llm=llm, num_generations=2, group_generations=True)
    task.load()
    rows = next(task.process([{"instruction": "first row"}, {"instruction": "second row"}]))
    task.unload()
    assert [row["generation"] for row in rows] == [["reply to:"] * 2, ["reply to:"] * 2]
    assert rows[0]["distilabel_metadata"][1]["statistics_text_generation_0"] == {"input_tokens": 2, "output_tokens": 4}


def test_usage_counts_requests_tokens_failures_and_resets(make_llm: Any, server: OpenAIServer) -> None:
    server.set_faults([{"match": "usage-fail", "fault": "500"}])
    llm = make_llm(max_retries=0)
    run(llm.agenerate(chat("one two three"), num_generations=2))
    with pytest.raises(LLMRequestError):
        run(llm.agenerate(chat("usage-fail")))
    usage = llm.usage()
    assert (usage.requests, usage.failures, usage.input_tokens, usage.output_tokens) == (1, 1, 5, 5 + 6)
    assert usage.latency_s > 0
    llm.reset_usage()
    assert llm.usage() == LLMUsage()


def test_dump_omits_the_api_key(make_llm: Any) -> None:
    llm = make_llm(api_key="sk-very-secret")
    dumped = llm.dump()
    assert "sk-very-secret" not in json.dumps(dumped, default=str) and "api_key" not in dumped
    assert (dumped["model"], dumped["type_info"]["name"]) == ("test-model", "OpenAICompatibleLLM")
    assert OpenAICompatibleLLM.from_dict(dumped).base_url == llm.base_url


@pytest.mark.parametrize(("field", "value"), [("base_url", ""), ("base_url", "localhost:8000/v1"),
                                              ("timeout_s", 0), ("max_concurrency", 0), ("max_retries", -1)])
def test_load_names_the_bad_field(field: str, value: object) -> None:
    llm = OpenAICompatibleLLM(**{"base_url": "http://127.0.0.1:1/v1", "model": "m", field: value})
    with pytest.raises(ConfigError, match=f"^{field}:"):
        llm.load()


def test_nothing_is_reported_unclosed_at_exit(server: OpenAIServer) -> None:
    script = f"""
import asyncio
from pysynth.llm import OpenAICompatibleLLM
llm = OpenAICompatibleLLM(base_url={server.base_url!r}, model="m")
llm.load()
llm.generate([[{{"role": "user", "content": "a"}}]])
asyncio.run(llm.agenerate([{{"role": "user", "content": "b"}}]))
"""  # exits without unload(): both the private loop's and asyncio.run's sessions must close themselves
    done = subprocess.run([sys.executable, "-X", "dev", "-W", "ignore::DeprecationWarning", "-c", script],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    noise = [line for line in done.stderr.splitlines() if "nclosed" in line or "ResourceWarning" in line]
    assert not noise, done.stderr


def test_logprobs_come_back_per_generation_in_distilabels_shape(make_llm: Any) -> None:
    out = run(make_llm().agenerate(chat("two words"), num_generations=2, logprobs=True, top_logprobs=2))
    first = out["logprobs"][0]
    assert len(out["logprobs"]) == 2 and len(first) == 4  # "reply to: two words": four tokens
    assert first[0] == [{"token": "reply", "logprob": -0.1}, {"token": "reply~1", "logprob": -0.2}]


def test_completions_logprobs_without_top_k_are_the_sampled_tokens(make_llm: Any) -> None:
    out = run(make_llm(api="completions").agenerate("plain prompt", logprobs=1))
    assert out["logprobs"][0][:2] == [[{"token": "reply", "logprob": -0.1}], [{"token": "to:", "logprob": -0.2}]]


def test_no_logprobs_unless_asked(make_llm: Any) -> None:
    assert "logprobs" not in run(make_llm().agenerate(chat("plain")))
