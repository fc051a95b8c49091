"""Continuous admission: an LLM step keeps its request cap in flight across batch boundaries, and
one slow request holds up only its own batch."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.runtime.admission import Admission
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline
from tests.support.openai_server import OpenAIServer

ROWS, CAP, HELD_S = 2000, 64, 20.0


def pipeline(base_url: str) -> str:
    return f"""
    name: admission
    defaults:
      batch_size: 50
      llm: {{base_url: "{base_url}", model: test-model, timeout_s: 60, max_concurrency: {CAP}}}
    steps:
      - {{name: src, type: make_rows, params: {{count: {ROWS}, columns: {{topic: "x{{i}}y"}}}}}}
      - {{name: gen, type: generate, params: {{template: "Write about {{topic}}"}}}}
    """


def test_one_request_held_open_holds_up_no_other_row_and_the_cap_stays_in_flight(tmp_path: Path) -> None:
    held = [{"match": "about x7y", "fault": "slow", "times": None, "delay_s": HELD_S}]
    with OpenAIServer(held, latency="lognormal:median=0.1,sigma=1") as server:
        path = write_pipeline(tmp_path, pipeline(server.base_url))
        runner = subprocess.Popen([sys.executable, "-m", "pysynth.cli", "run", str(path), "-o", str(tmp_path / "out"),
                                   "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started = time.monotonic()
        try:
            while server.stats()["answered"] < ROWS - 1:
                assert time.monotonic() - started < HELD_S - 2, (
                    f"only {server.stats()['answered']} of the other {ROWS - 1} rows were answered while one "
                    "request was held")
                assert runner.poll() is None, f"the run ended early: {runner.stderr.read()!r}"  # type: ignore[union-attr]
                time.sleep(0.1)
            in_flight = server.stats()["in_flight"]
            assert runner.wait(HELD_S + 30) == 0, runner.stderr.read()  # type: ignore[union-attr]
        finally:
            runner.kill()
    assert in_flight["peak"] == CAP, in_flight
    # While rows remained to be sent, the cap was (nearly) always full.
    assert in_flight["mean_while_arriving"] >= 0.85 * CAP, in_flight
    rows = sorted_rows(tmp_path / "out" / "gen.parquet")
    assert rows.height == ROWS and rows["generation"].null_count() == 0


def test_admission_bounds_unanswered_and_held_rows() -> None:
    async def scenario() -> None:
        admission = Admission.for_requests(request_cap=10, batch_size=5)
        tickets = []
        for _ in range(3):  # 15 unanswered rows: the cap plus one batch of headroom
            await asyncio.wait_for(admission.wait(), 1)
            tickets.append(admission.admit(5))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(admission.wait(), 0.05)
        tickets[0].row_done()  # one answer frees room for a whole batch
        await asyncio.wait_for(admission.wait(), 1)
        assert admission.unanswered == 14
        tickets[0].close()  # a closed batch gives back its unanswered rows too
        assert (admission.unanswered, admission.open_batches) == (10, 2)

    asyncio.run(scenario())


def test_cpu_steps_keep_their_batch_concurrency() -> None:
    async def scenario() -> None:
        admission = Admission.for_batches(2)
        first, _ = admission.admit(100), admission.admit(100)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(admission.wait(), 0.05)
        first.close()
        await asyncio.wait_for(admission.wait(), 1)

    asyncio.run(scenario())


def test_rows_of_a_concurrent_row_step_run_in_threads_and_a_slow_row_holds_up_no_other(tmp_path: Path) -> None:
    body = """
    name: judge-like
    defaults: {batch_size: 20}
    steps:
      - {name: src, type: make_rows, params: {count: 400, columns: {topic: "x{i}y"}}}
      - {name: judged, type: "tests.runtime.concurrent_steps:SleepyRows", params: {threads: 8}}
    """
    result = run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / "out")
    rows = sorted_rows(result.outputs["judged"])
    assert rows.height == 400
    assert rows["running_with"].max() == 8, "the step's rows did not run 8 at a time"
    slow_done = rows.filter(pl.col("topic") == "x7y")["finished_at"][0]
    assert (rows["finished_at"] < slow_done).sum() == 399, "rows waited for the slow one"
