"""Worker processes (`workers`, `row_timeout_s`): a row that kills or hangs its worker fails alone.

Each fault happens on one row (t13) of 40 in batches of 8 on 2 workers: the run completes, that row is
in `failed/` with why, every other row is in the output, and no worker process outlives the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import PipelineRunError
from pysynth.runtime import PipelineResult, run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline

FAULTS_MODULE = '''
import ctypes, os, signal, time

def _mark(row):
    return {"seen": row["topic"]}

def exit_3(row):
    if row["topic"] == "t13":
        os._exit(3)
    return _mark(row)

def segfault(row):
    if row["topic"] == "t13":
        ctypes.string_at(0)
    return _mark(row)

def sigkill(row):
    if row["topic"] == "t13":
        os.kill(os.getpid(), signal.SIGKILL)
    return _mark(row)

def hang(row):
    if row["topic"] == "t13":
        time.sleep(3600)
    return _mark(row)

def drop_all(row):
    return "dropped on purpose"

def hang_always(row):
    open(os.path.join(os.path.dirname(__file__), "hung"), "w").close()
    time.sleep(3600)
'''

OTHER_TOPICS = [f"t{i}" for i in range(40) if i != 13]


def pipeline(tmp_path: Path, *steps: str) -> Path:
    (tmp_path / "worker_faults.py").write_text(FAULTS_MODULE)
    listed = "".join(f"\n      - {step}" for step in steps)
    return write_pipeline(tmp_path, f"""
    name: isolation
    defaults: {{batch_size: 8}}
    steps:
      - {{name: src, type: make_rows, params: {{count: 40, columns: {{topic: "t{{i}}"}}}}}}{listed}
    """)


def map_step(function: str, extra: str = "") -> str:
    return (f'{{name: risky, type: map, workers: 2, {extra}'
            f'params: {{function: "worker_faults:{function}", output_columns: [seen]}}}}')


def run(path: Path, output: Path, **options: bool) -> PipelineResult:
    return run_pipeline(compile_pipeline(load_spec(path)), output, **options)


def children() -> set[str]:
    """This process's child processes, but multiprocessing's resource tracker (one per process, by design)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and "resource_tracker" not in command:
            found.add(f"{stat.parent.name} [{fields[0]}] {command}")
    return found


def assert_only_t13_failed(result: PipelineResult, output: Path, error: str) -> None:
    rows = sorted_rows(result.outputs["risky"])
    assert sorted(rows["topic"].to_list()) == sorted(OTHER_TOPICS), "rows other than the culprit were lost"
    assert rows["seen"].to_list() == rows["topic"].to_list()
    failed = pl.read_parquet(output / "failed" / "risky.parquet")
    assert failed["topic"].to_list() == ["t13"], f"failed rows: {failed['topic'].to_list()}"
    assert error in failed["error"][0], failed["error"][0]
    step = result.manifest.steps["risky"]
    assert (step.rows_in, step.rows_out, step.failed) == (40, 39, 1)
    assert result.manifest.status == "completed"


@pytest.mark.parametrize(("function", "extra", "error"), [
    ("exit_3", "", "WorkerDied: the worker process died (exit code 3)"),
    ("segfault", "", "WorkerDied: the worker process died (killed by signal SIGSEGV)"),
    ("sigkill", "", "WorkerDied: the worker process died (killed by signal SIGKILL)"),
    ("hang", "row_timeout_s: 1, ", "RowTimedOut: row timed out after 1.0 s"),
])
def test_a_row_that_loses_its_worker_fails_alone(tmp_path: Path, function: str, extra: str, error: str) -> None:
    before = children()
    result = run(pipeline(tmp_path, map_step(function, extra)), tmp_path / "out")
    assert_only_t13_failed(result, tmp_path / "out", error)
    assert children() - before == set(), "worker processes outlived the run"


@pytest.mark.parametrize(("fault", "extra", "error"), [
    ("exit", "", "the worker process died (exit code 3)"),
    ("hang", "row_timeout_s: 1, ", "row timed out after 1.0 s"),
])
def test_a_batch_step_is_bisected_down_to_the_row(tmp_path: Path, fault: str, extra: str, error: str) -> None:
    step = (f"{{name: risky, type: tests.runtime.worker_fault_steps.LoseWorkerOnRow, workers: 2, {extra}"
            f"params: {{culprit: t13, fault: {fault}}}}}")
    before = children()
    result = run(pipeline(tmp_path, step), tmp_path / "out")
    assert_only_t13_failed(result, tmp_path / "out", error)
    assert children() - before == set(), "worker processes outlived the run"


def test_row_timeout_without_workers_runs_in_one_worker(tmp_path: Path) -> None:
    step = map_step("hang", "row_timeout_s: 1, ").replace("workers: 2, ", "")
    result = run(pipeline(tmp_path, step), tmp_path / "out")
    assert_only_t13_failed(result, tmp_path / "out", "row timed out after 1.0 s")


def test_empty_batches_pass_through_a_batch_step_with_a_row_timeout(tmp_path: Path) -> None:
    steps = ('{name: none, type: filter, params: {function: "worker_faults:drop_all", input_columns: [topic]}}',
             "{name: risky, type: tests.runtime.worker_fault_steps.LoseWorkerOnRow, row_timeout_s: 1, "
             "params: {culprit: t13}}")
    result = run(pipeline(tmp_path, *steps), tmp_path / "out")
    step = result.manifest.steps["risky"]
    assert (step.rows_in, step.rows_out, step.failed, step.batches) == (0, 0, 0, 5)


def test_a_resumed_run_reuses_the_failed_rows_and_ignores_pool_settings(tmp_path: Path) -> None:
    first = run(pipeline(tmp_path, map_step("exit_3")), tmp_path / "out")
    # workers and row_timeout_s change how a step runs, never its rows: the checkpoint stays valid.
    again = run(pipeline(tmp_path, map_step("exit_3", "row_timeout_s: 30, ").replace("workers: 2", "workers: 1")),
                tmp_path / "out", resume=True)
    assert {name: step.status for name, step in again.manifest.steps.items()} == {
        "src": "reused", "risky": "reused"}
    assert_only_t13_failed(again, tmp_path / "out", "exit code 3")
    assert sorted_rows(again.outputs["risky"]).equals(sorted_rows(first.outputs["risky"]))


def test_a_failing_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    crash = (f"{{name: boom, type: tests.runtime.worker_fault_steps.CrashOnceMarked, inputs: [src], "
             f"params: {{marker: '{tmp_path / 'hung'}'}}}}")
    before = children()
    with pytest.raises(PipelineRunError, match="global boom"):
        run(pipeline(tmp_path, map_step("hang_always"), crash), tmp_path / "out")
    assert children() - before == set(), "busy worker processes outlived a failed run"


def spawned_workers(parent: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"spawn_main" in command:
            pids.add(int(stat.parent.name))
    return pids


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_workers_hung_in_a_row_end_with_the_run(tmp_path: Path, stop: signal.Signals) -> None:
    path = pipeline(tmp_path, map_step("hang_always"))
    command = [sys.executable, "-m", "pysynth.cli", "run", str(path), "-o", str(tmp_path / "out"), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while len(workers := spawned_workers(process.pid)) < 2:
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the run started no 2 workers within 90 s"
        time.sleep(0.05)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == (130 if stop is signal.SIGINT else -signal.SIGKILL), stderr.decode()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), f"workers {workers} outlived the run ({stop.name})"


def test_a_zero_row_timeout_is_a_one_line_spec_error(tmp_path: Path) -> None:
    path = pipeline(tmp_path, map_step("exit_3", "row_timeout_s: 0, "))
    result = subprocess.run([sys.executable, "-m", "pysynth.cli", "run", path.name, "-o", "out"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("error: pipeline.yaml:5:57: steps[1].row_timeout_s: must be greater than 0.0 "
                             "(got 0)\n"), result.stderr
