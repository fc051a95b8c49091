"""The live view: one row per step with counts, rate, an ETA from the source's expected rows, and an LLM
step's requests in flight against its cap."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.console import Console

from pysynth.dag import StepKind, compile_pipeline
from pysynth.runtime import progress, run_pipeline
from pysynth.runtime.checkpoint import BatchStats
from pysynth.runtime.progress import render, summary_line
from pysynth.runtime.state import StepState
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline
from tests.support.openai_server import OpenAIServer


def test_table_shows_counts_rate_and_eta() -> None:
    source = StepState("src", StepKind.GENERATOR, "f0", expected_rows=1000)
    source.start()
    worker = StepState("gen", StepKind.NORMAL, "f1")
    worker.start()
    worker.started = time.monotonic() - 10  # 10 s in, 100 of 1000 rows done: 10 rows/s, 90 s left
    worker.stats.add(BatchStats(rows_in=100, rows_out=98, failed=2, output_tokens=500))
    console = Console(width=200, record=True)
    console.print(render({"src": source, "gen": worker}, "pipeline demo"))
    text = console.export_text()
    gen_line = next(line for line in text.splitlines() if "gen" in line and "running" in line)
    assert "100" in gen_line and "98" in gen_line and "500" in gen_line
    assert "00:01:30" in gen_line or "00:01:29" in gen_line, gen_line
    assert "gen[running] in=100 out=98 dropped=0 failed=2" in summary_line({"src": source, "gen": worker})


def test_an_llm_step_shows_its_requests_in_flight_against_its_cap() -> None:
    llm = StepState("gen", StepKind.NORMAL, "f2", request_cap=8, requests_in_flight=lambda: 5)
    llm.start()
    cpu = StepState("judge", StepKind.NORMAL, "f3")
    cpu.start()
    console = Console(width=200, record=True)
    console.print(render({"gen": llm, "judge": cpu}, "pipeline demo"))
    lines = console.export_text().splitlines()
    assert "requests" in next(line for line in lines if "step" in line and "status" in line)
    assert " 5/8 " in next(line for line in lines if "gen" in line and "running" in line)
    assert "/" not in next(line for line in lines if "judge" in line and "running" in line)
    assert "gen[running] in=0 out=0 dropped=0 failed=0 requests=5/8 cached=0" in summary_line({"gen": llm})
    llm.finish()
    assert "requests=" not in summary_line({"gen": llm})


def test_the_status_lines_of_a_real_run_count_requests_held_by_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Every request waits 0.6 s at the server, so status lines (every 0.1 s here) catch the cap of 3 full."""
    monkeypatch.setattr(progress, "QUIET_INTERVAL_S", 0.1)
    slow = [{"match": "", "fault": "slow", "times": None, "delay_s": 0.6}]
    with OpenAIServer(slow) as server:
        path = write_pipeline(tmp_path, f"""
        name: watched
        defaults:
          batch_size: 3
          llm: {{base_url: "{server.base_url}", model: test-model, timeout_s: 30, max_concurrency: 3}}
        steps:
          - {{name: src, type: make_rows, params: {{count: 9, columns: {{topic: "t{{i}}"}}}}}}
          - {{name: gen, type: generate, params: {{template: "Write about {{topic}}"}}}}
        """)
        compiled = compile_pipeline(load_spec(path))
        run_pipeline(compiled, tmp_path / "out", quiet=True)
    lines = capsys.readouterr().err.splitlines()
    assert any("gen[running]" in line and "requests=3/3" in line for line in lines), lines
    parts = [part for line in lines for part in line.split("; ")]
    assert not any(part.startswith(("src[", "[pysynth] src[")) and "requests=" in part for part in parts), parts
