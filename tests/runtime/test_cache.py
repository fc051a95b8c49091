"""The request cache: answers stored before their rows move on, reused by re-runs and resumes,
keyed by everything that shapes an answer, and switched off by `--no-cache` or `cache: false`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError, SpecError
from pysynth.runtime import run_pipeline
from pysynth.runtime.cache import CACHE_NAME, NO_LIMIT, RequestCache, RequestKeys
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline
from tests.support.openai_server import OpenAIServer


def pipeline(base_url: str, *, gen_extra: str = "", max_tokens: int = 64, count: int = 24) -> str:
    return f"""
    name: cached
    defaults:
      batch_size: 4
      llm: {{base_url: "{base_url}", model: test-model, timeout_s: 10, generation: {{max_tokens: {max_tokens}}}}}
    steps:
      - {{name: src, type: make_rows, params: {{count: {count}, columns: {{topic: "t{{i}}"}}}}}}
      - name: gen
        type: generate
        params: {{template: "Write {{topic}} {{topic}} {{topic}} {{topic}} {{topic}}"}}
        {gen_extra}
    """


def run(tmp_path: Path, body: str, **options: bool):  # type: ignore[no-untyped-def]
    return run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / "out", **options)


def test_a_rerun_of_an_edited_step_sends_no_request_whose_answer_is_cached(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        first = run(tmp_path, pipeline(server.base_url))
        answers = sorted_rows(first.outputs["gen"])["generation"].to_list()
        assert server.stats()["requests"] == 24
        # New output columns: the step's checkpoint is stale, but every request is the same.
        second = run(tmp_path, pipeline(server.base_url, gen_extra="output_mappings: {generation: text}"),
                     resume=True)
        assert server.stats()["requests"] == 24, "a cached answer was asked for again"
    gen = second.manifest.steps["gen"]
    assert (gen.cache_hits, gen.requests) == (24, 0)
    assert sorted_rows(second.outputs["gen"])["text"].to_list() == answers


@pytest.mark.parametrize("switch", ["--no-cache", "cache: false"])
def test_no_cache_and_cache_false_send_every_request_again(tmp_path: Path, switch: str) -> None:
    with OpenAIServer() as server:
        run(tmp_path, pipeline(server.base_url))
        extra = "output_mappings: {generation: text}"
        if switch == "cache: false":
            result = run(tmp_path, pipeline(server.base_url, gen_extra=f"{extra}\n        cache: false"), resume=True)
        else:
            result = run(tmp_path, pipeline(server.base_url, gen_extra=extra), resume=True, use_cache=False)
        assert server.stats()["requests"] == 48
    assert result.manifest.steps["gen"].cache_hits == 0


def test_changing_what_is_sent_misses_the_cache(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        run(tmp_path, pipeline(server.base_url))
        run(tmp_path, pipeline(server.base_url, gen_extra="llm: {generation: {temperature: 0.5}}"), resume=True)
        assert server.stats()["requests"] == 48


def test_raising_max_tokens_with_retry_truncated_resends_only_the_cut_answers(tmp_path: Path) -> None:
    # "reply to: Write tN tN tN tN tN" is 8 words: every answer is cut at 6 tokens, none at 64.
    retry = "cache: {retry_truncated: true}"
    with OpenAIServer() as server:
        short = run(tmp_path, pipeline(server.base_url, max_tokens=6, count=8, gen_extra=retry))
        cut = sorted_rows(short.outputs["gen"])["generation"].to_list()
        run(tmp_path, pipeline(server.base_url, max_tokens=64, count=8, gen_extra=retry), resume=True)
        assert server.stats()["requests"] == 16, "cut answers must be asked again under the larger limit"
        full = run(tmp_path, pipeline(server.base_url, max_tokens=200, count=8, gen_extra=retry), resume=True)
        assert server.stats()["requests"] == 16, "answers that were not cut are reused under a larger limit"
    assert all(len(text.split()) == 6 for text in cut)
    assert all(len(text.split()) == 8 for text in sorted_rows(full.outputs["gen"])["generation"])
    assert full.manifest.steps["gen"].cache_hits == 8


def test_without_retry_truncated_another_limit_is_another_request(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        run(tmp_path, pipeline(server.base_url, max_tokens=64, count=8))
        run(tmp_path, pipeline(server.base_url, max_tokens=200, count=8), resume=True)
        assert server.stats()["requests"] == 16


def test_a_corrupt_cache_file_is_a_clear_error_and_no_cache_still_runs(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        run(tmp_path, pipeline(server.base_url))
        cache = tmp_path / "out" / ".pysynth" / CACHE_NAME
        for suffix in ("-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)
        cache.write_bytes(b"not a database" * 100)
        edited = pipeline(server.base_url, gen_extra="output_mappings: {generation: text}")
        with pytest.raises(PipelineRunError, match=rf"{CACHE_NAME}.*--no-cache"):
            run(tmp_path, edited, resume=True)
        run(tmp_path, edited, resume=True, use_cache=False)


def test_cache_on_a_step_without_llm_is_a_spec_error(tmp_path: Path) -> None:
    body = """
    name: nollm
    steps:
      - {name: src, type: make_rows, params: {count: 2, columns: {topic: "t{i}"}}}
      - {name: loud, type: map, cache: false, params: {function: "user_steps:identity"}}
    """
    with pytest.raises(SpecError, match=r"steps\[1\]\.cache|steps.1.cache|cache.*LLM"):
        compile_pipeline(load_spec(write_pipeline(tmp_path, body)))


def test_request_keys_cover_every_field_but_the_token_limit() -> None:
    shared = {"step": "gen", "model": "m", "generation": {"temperature": 0.7, "max_tokens": 16, "regex": "a+"}}
    messages = [{"role": "user", "content": "hi"}]
    keys = RequestKeys(shared)
    key = keys.key("r1", messages)
    assert keys.limit == 16
    assert RequestKeys({**shared, "generation": {"temperature": 0.7, "max_tokens": 99, "regex": "a+"}}).key(
        "r1", messages) == key
    assert keys.key("r2", messages) != key and keys.key("r1", [{"role": "user", "content": "ho"}]) != key
    for change in ({"step": "other"}, {"model": "m2"},
                   {"generation": {"temperature": 0.7, "max_tokens": 16, "regex": "b+"}},
                   {"generation": {"temperature": 0.7, "max_tokens": 16, "regex": "a+", "seed": 3}}):
        assert RequestKeys({**shared, **change}).key("r1", messages) != key, change
    assert RequestKeys({**shared, "generation": {}}).limit == NO_LIMIT


def test_answers_survive_a_reopen_and_flush_means_committed(tmp_path: Path) -> None:
    path = tmp_path / CACHE_NAME
    cache = RequestCache(path)
    for index in range(500):
        cache.put(f"k{index}".encode(), 16, {"generations": [f"answer {index}"]}, truncated=index % 2 == 0)
    asyncio.run(cache.flush())
    # Committed means visible to another connection, before any close.
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT COUNT(*) FROM answers").fetchone() == (500,)
    cache.close()
    reopened = RequestCache(path)
    assert reopened.get(b"k7", 16) == {"generations": ["answer 7"]}
    assert reopened.get(b"k7", 32) is None
    assert reopened.get(b"k7", 32, retry_truncated=True) == {"generations": ["answer 7"]}
    assert reopened.get(b"k8", 32, retry_truncated=True) is None, "a cut answer is not reused under a larger limit"
    assert reopened.get(b"k7", 8, retry_truncated=True) is None, "nor any answer under a smaller one"
    reopened.close()
