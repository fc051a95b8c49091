"""One pipeline, several `llm:` blocks: a server, a pool (inline or from an endpoints file), SGLang extras."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import SpecError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline
from tests.support.openai_server import OpenAIServer

SCHEMA_MODULE = "from pydantic import BaseModel\n\nclass Reply(BaseModel):\n    reply: str\n"


def pipeline(llm_block: str, *, generations: int = 1) -> str:
    return f"""
    name: blocks
    defaults: {{batch_size: 4}}
    steps:
      - {{name: src, type: make_rows, params: {{count: 12, columns: {{topic: "t{{i}}"}}}}}}
      - name: gen
        type: generate
        params: {{template: "Write about {{topic}}", num_generations: {generations}}}
        llm: {llm_block}
    """


def run(tmp_path: Path, body: str, output: str = "out"):  # type: ignore[no-untyped-def]
    (tmp_path / "schemas.py").write_text(SCHEMA_MODULE)
    return run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / output)


def test_switching_from_one_server_to_a_pool_changes_only_the_llm_block(tmp_path: Path) -> None:
    with OpenAIServer() as first, OpenAIServer() as second:
        single = run(tmp_path, pipeline(f'{{base_url: "{first.base_url}", model: m}}'), "single")
        (tmp_path / "endpoints.yaml").write_text(f"endpoints:\n  - {first.base_url}\n  - {second.base_url}\n")
        first.reset()
        pooled = run(tmp_path, pipeline("{endpoints_file: endpoints.yaml, model: m, backend: sglang}"), "pooled")
        inline = run(tmp_path, pipeline(f'{{endpoints: ["{first.base_url}", "{second.base_url}"], model: m}}'),
                     "inline")
        assert first.stats()["requests"] > 0 and second.stats()["requests"] > 0
    for other in (pooled, inline):
        assert sorted_rows(other.outputs["gen"])["generation"].equals(sorted_rows(single.outputs["gen"])["generation"])


def test_json_schema_from_a_pydantic_model_is_sent_as_response_format(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        result = run(tmp_path, pipeline(f'{{base_url: "{server.base_url}", model: m, json_schema: "schemas:Reply"}}'))
        sent = server.stats()["last_body"]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["required"] == ["reply"]
    answers = [json.loads(text) for text in sorted_rows(result.outputs["gen"])["generation"]]
    assert answers[0] == {"reply": "reply to: Write about t0"}


def test_regex_is_an_sglang_field_and_needs_the_sglang_backend(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        run(tmp_path, pipeline(f'{{base_url: "{server.base_url}", model: m, backend: sglang, regex: "[0-9]+"}}'))
        assert server.stats()["last_body"]["regex"] == "[0-9]+"
    with pytest.raises(SpecError, match=r"steps\[1\]\.llm\.regex: regex is an SGLang extension"):
        compile_pipeline(load_spec(write_pipeline(tmp_path, pipeline('{base_url: "http://x/v1", model: m, '
                                                                     'regex: "[0-9]+"}'))))


def test_repeat_mode_sends_one_request_per_generation(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        result = run(tmp_path, pipeline(f'{{base_url: "{server.base_url}", model: m, n_mode: repeat}}', generations=3))
        stats = server.stats()
    assert stats["requests"] == 12 * 3 and stats["last_body"]["n"] == 1
    assert sorted_rows(result.outputs["gen"]).height == 36


def test_logprobs_asked_for_in_generation_land_in_a_column_and_latency_in_the_manifest(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        block = f'{{base_url: "{server.base_url}", model: m, generation: {{logprobs: true, top_logprobs: 1}}}}'
        result = run(tmp_path, pipeline(block, generations=2))
    rows = sorted_rows(result.outputs["gen"])
    assert rows.height == 24
    first = rows.row(0, named=True)
    assert first["logprobs"][0] == [{"token": "reply", "logprob": -0.1}]
    assert len(first["logprobs"]) == len(first["generation"].split())
    step = result.manifest.steps["gen"]
    assert step.requests == 12 and 0 < step.mean_latency_seconds < 5
