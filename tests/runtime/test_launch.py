"""`llm: {backend: sglang, launch: {...}}`: the run starts its SGLang servers and stops them at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError
from pysynth.llm.launcher import _healthy
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.llm.test_launcher import FAKE_SGLANG, ROOT, free_port_run
from tests.runtime.pipeline_files import sorted_rows, write_pipeline


def body(port: int) -> str:
    return f"""
    name: launched
    defaults:
      llm: {{backend: sglang, model: test-model, launch: {{gpus: "0,1", port: {port}}}}}
    steps:
      - {{name: src, type: make_rows, params: {{count: 6, columns: {{topic: "t{{i}}"}}}}}}
      - {{name: gen, type: generate, params: {{template: "Write about {{topic}}"}}}}
    """


def test_the_run_starts_and_stops_its_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", f"{FAKE_SGLANG}:{ROOT}")
    port = free_port_run(2)
    result = run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body(port)))), tmp_path / "out")
    assert sorted_rows(result.outputs["gen"])["generation"][0] == "reply to: Write about t0"
    assert not _healthy(f"http://127.0.0.1:{port}") and not _healthy(f"http://127.0.0.1:{port + 1}")


def test_a_server_that_cannot_start_fails_the_run_with_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", f"{FAKE_SGLANG}:{ROOT}")
    monkeypatch.setenv("FAKE_SGLANG_FAIL", "1")
    compiled = compile_pipeline(load_spec(write_pipeline(tmp_path, body(free_port_run(2)))))
    with pytest.raises(PipelineRunError, match="CUDA out of memory"):
        run_pipeline(compiled, tmp_path / "out")
