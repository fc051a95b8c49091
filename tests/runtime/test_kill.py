"""Crash safety: kill `pysynth run` at several points, resume, and get exactly the uninterrupted rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline
from tests.support.openai_server import OpenAIServer

PIPELINE = """
name: killable
defaults:
  batch_size: 5
  llm: {base_url: "${BASE_URL}", model: test-model, max_concurrency: 4, timeout_s: 10}
steps:
  - {name: src, type: make_rows, params: {count: 150, columns: {topic: "t{i}"}}}
  - {name: gen, type: generate, concurrency: 2, params: {template: "Write about {topic}"}}
  - {name: parts, type: map, params: {function: "user_steps:explode_me", output_columns: [part]}}
  - {name: loud, type: map, inputs: [gen], params: {function: "user_steps:shout", output_columns: [loud]}}
"""


def shards_on_disk(output: Path, step: str) -> int:
    return len(list((output / ".pysynth" / "steps" / step).glob("*/shards/*.parquet")))


def start(pipeline: Path, output: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pysynth.cli", "run", str(pipeline), "-o", str(output), "--quiet", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))


def wait_for_shards(process: subprocess.Popen[bytes], output: Path, step: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while shards_on_disk(output, step) < count:
        assert process.poll() is None, f"run ended before {count} shards of {step}: {process.stderr.read()!r}"
        assert time.monotonic() < deadline, f"no {count} shards of {step} within 60 s"
        time.sleep(0.005)


SLOW = [{"match": "", "fault": "slow", "times": None, "delay_s": 0.02}]


def kill_after(pipeline: Path, output: Path, shards: int, *extra: str) -> None:
    """Starts a run and SIGKILLs it once `shards` batches of the LLM step are on disk."""
    process = start(pipeline, output, *extra)
    wait_for_shards(process, output, "gen", shards)
    process.send_signal(signal.SIGKILL)
    process.wait()


def resume_and_compare(pipeline: Path, output: Path, reference: dict[str, pl.DataFrame]) -> None:
    resumed = start(pipeline, output, "--resume")
    assert resumed.wait(120) == 0, resumed.stderr.read().decode()  # type: ignore[union-attr]
    for name, frame in outputs(output).items():
        assert frame.equals(reference[name]), f"{name}: resumed output differs from the uninterrupted run"


def outputs(output: Path) -> dict[str, pl.DataFrame]:
    return {name: sorted_rows(output / f"{name}.parquet") for name in ("parts", "loud")}


@pytest.fixture
def reference(tmp_path: Path, server) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    pipeline = write_pipeline(tmp_path, PIPELINE)
    run_pipeline(compile_pipeline(load_spec(pipeline)), tmp_path / "reference")
    return outputs(tmp_path / "reference")


@pytest.mark.parametrize("kill_after_shards", [1, 9, 24])
def test_sigkill_then_resume_gives_the_uninterrupted_rows(tmp_path: Path, server, reference,  # type: ignore[no-untyped-def]
                                                          kill_after_shards: int) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    server.set_faults(SLOW)
    kill_after(pipeline, tmp_path / "out", kill_after_shards)
    assert shards_on_disk(tmp_path / "out", "gen") < 30, "killed too late to test anything"
    server.set_faults([])  # also zeroes the request counter
    resume_and_compare(pipeline, tmp_path / "out", reference)
    redone = server.stats()["requests"]
    assert redone < 150, f"resume re-sent {redone} requests; finished batches must not be redone"


def test_killed_twice_including_during_resume(tmp_path: Path, server, reference) -> None:  # type: ignore[no-untyped-def]
    pipeline = tmp_path / "pipeline.yaml"
    server.set_faults(SLOW)
    kill_after(pipeline, tmp_path / "out", 5)
    kill_after(pipeline, tmp_path / "out", 15, "--resume")
    server.set_faults([])
    resume_and_compare(pipeline, tmp_path / "out", reference)


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path: Path, server, reference) -> None:  # type: ignore[no-untyped-def]
    pipeline = tmp_path / "pipeline.yaml"
    server.set_faults(SLOW)
    process = start(pipeline, tmp_path / "out")
    wait_for_shards(process, tmp_path / "out", "gen", 6)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr.decode()
    assert "--resume" in stderr.decode() and "Traceback" not in stderr.decode()
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["steps"]["gen"]["status"] == "interrupted"
    server.set_faults([])
    resume_and_compare(pipeline, tmp_path / "out", reference)
    assert json.loads((tmp_path / "out" / "run.json").read_text())["status"] == "completed"


CACHED = """
name: cached-kill
defaults:
  batch_size: 20
  llm: {base_url: "${BASE_URL}", model: test-model, max_concurrency: 16, timeout_s: 30}
steps:
  - {name: src, type: make_rows, params: {count: 400, columns: {topic: "t{i}"}}}
  - {name: gen, type: generate, params: {template: "Write about {topic}"}}
"""


def test_a_resume_after_sigkill_resends_only_requests_unanswered_at_the_kill(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers are cached as they arrive, not when their batch commits: under a long-tailed server
    most answered rows sit in open batches at the kill, and the resume must not ask for them again."""
    pipeline = write_pipeline(tmp_path, CACHED)
    with OpenAIServer(latency="lognormal:median=0.05,sigma=1") as server:
        monkeypatch.setenv("BASE_URL", server.base_url)
        process = start(pipeline, tmp_path / "out")
        deadline = time.monotonic() + 60
        while server.stats()["answered"] < 150:
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = server.stats()["prompts"]["new"]
        server.reset()
        resumed = start(pipeline, tmp_path / "out", "--resume")
        assert resumed.wait(120) == 0, resumed.stderr.read().decode()  # type: ignore[union-attr]
        prompts = server.stats()["prompts"]
    assert before + prompts["new"] == 400
    # Only requests in flight at the kill (at most max_concurrency) may have been answered and lost.
    assert prompts["repeated"] <= 16, f"the resume asked again for {prompts['repeated']} answered requests"
    rows = sorted_rows(tmp_path / "out" / "gen.parquet")
    assert rows.height == 400 and rows["generation"].null_count() == 0
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["steps"]["gen"]["cache_hits"] > 0, "no answered row was waiting in an open batch at the kill"
