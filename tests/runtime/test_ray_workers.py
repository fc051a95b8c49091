"""`workers: {backend: ray}`: a step's batches on the actors of a local Ray instance.

The instance is the one the issue asks tests to use: `ray.init(num_cpus=2, include_dashboard=False)`,
with actors of half a CPU so two never take every slot. A judge step (MicroCoder's verification of
the shipped problems) gives the same rows on Ray as inline; an actor that dies on one row, or a row past
`row_timeout_s`, fails that row alone; an actor killed from outside mid-run costs nothing (its batch
is tried again); and a cluster that is not there is one line from `pysynth run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import ray  # type: ignore[import-untyped,unused-ignore]  # the ray extra, installed by scripts/test.sh

from pysynth.dag import compile_pipeline
from pysynth.errors import SpecError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import sorted_rows, write_pipeline

DATA = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "microcoder"
ON_RAY = "workers: {backend: ray, size: 2, num_cpus: 0.5}"


def test_sigterm_stops_a_ray_run_cleanly_and_resume_finishes_it(tmp_path: Path) -> None:
    """Before the shared instance starts (the run makes its own, `address: local`): ray.init installs
    signal handlers of its own that turned SIGTERM into a crash (`SystemExit: 15`, exit 1)."""
    (tmp_path / "slow_rows.py").write_text("import time\n\ndef slow(row):\n    time.sleep(0.5)\n"
                                           "    return {'seen': row['topic']}\n")
    path = write_pipeline(tmp_path, """
    name: interrupted_on_ray
    defaults: {batch_size: 2}
    steps:
      - {name: src, type: make_rows, params: {count: 24, columns: {topic: "t{i}"}}}
      - {name: slow, type: map, workers: {backend: ray, size: 2, num_cpus: 0.5, address: local},
         params: {function: "slow_rows:slow", output_columns: [seen]}}
    """)
    command = [sys.executable, "-m", "pysynth.cli", "run", str(path), "-o", str(tmp_path / "out")]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    shards = tmp_path / "out" / ".pysynth" / "steps" / "slow"
    deadline = time.monotonic() + 120
    while not list(shards.glob("*/shards/*.parquet")) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: run interrupted"), stderr
    done = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(pl.read_parquet(tmp_path / "out" / "slow.parquet")["seen"]) == sorted(f"t{i}" for i in range(24))


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_no_cluster_at_the_address_is_one_line_from_the_cli(tmp_path: Path) -> None:
    """First in the file: `auto` finds any Ray instance running on this machine, the tests' own too."""
    path = write_pipeline(tmp_path, """
    name: no_cluster
    steps:
      - {name: src, type: make_rows, params: {count: 4}}
      - {name: id, type: map, workers: {backend: ray, address: auto}, params: {function: "user_steps:identity"}}
    """)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    done = subprocess.run([sys.executable, "-m", "pysynth.cli", "run", str(path), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=environment, cwd=tmp_path, check=False)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "step 'id': cannot reach the Ray cluster at auto (start one with `ray start --head`" in last, done.stderr


def test_max_in_flight_is_the_batches_sent_to_the_cluster_at_once(tmp_path: Path) -> None:
    def compiled(workers: str, extra: str = "") -> int:
        path = write_pipeline(tmp_path, f"""
        name: in_flight
        steps:
          - {{name: src, type: make_rows, params: {{count: 4}}}}
          - {{name: id, type: map, workers: {workers}, {extra}params: {{function: "user_steps:identity"}}}}
        """)
        return compile_pipeline(load_spec(path)).nodes["id"].concurrency

    assert compiled("{backend: ray, size: 2, max_in_flight: 5}") == 5
    assert compiled("{backend: ray, size: 6}") == 6  # default: a batch for every actor
    with pytest.raises(SpecError, match="give concurrency or workers.max_in_flight, not both"):
        compiled("{backend: ray, size: 2, max_in_flight: 5}", "concurrency: 2, ")
    with pytest.raises(SpecError, match="max_in_flight: only for backend: ray"):
        compiled("{backend: process, size: 2, max_in_flight: 5}")


def verify_pipeline(tmp_path: Path, workers: str) -> Path:
    return write_pipeline(tmp_path, f"""
    name: verify_on_ray
    defaults: {{batch_size: 2}}
    steps:
      - {{name: taco, type: load_problems, params: {{path: {DATA / "taco.jsonl"}, format: taco}}}}
      - {{name: cc, type: load_problems, params: {{path: {DATA / "code_contests.jsonl"}, format: code_contests}}}}
      - {{name: collect, type: microcoder_collect, inputs: [taco, cc]}}
      - name: verify
        type: microcoder_verify
        {workers}
        params: {{on_disagreement: drop_problem, without_references: keep}}
    """)


def test_a_judge_step_on_ray_gives_the_rows_it_gives_inline(local_ray: None, tmp_path: Path) -> None:
    on_ray = run_pipeline(compile_pipeline(load_spec(verify_pipeline(tmp_path, ON_RAY))), tmp_path / "ray")
    inline = run_pipeline(compile_pipeline(load_spec(verify_pipeline(tmp_path, ""))), tmp_path / "inline")
    assert on_ray.manifest.status == inline.manifest.status == "completed"
    kept = sorted_rows(on_ray.outputs["verify"]).drop("verification", strict=False)
    assert kept.height == 6 and kept.equals(sorted_rows(inline.outputs["verify"]).drop("verification", strict=False))
    ray_verify, inline_verify = on_ray.manifest.steps["verify"], inline.manifest.steps["verify"]
    assert ray_verify.dropped_by_reason == inline_verify.dropped_by_reason == {"verify: no reference passes": 2}


FAULTS = '''
import os, time
from pathlib import Path

def exit_on_t13(row):
    if row["topic"] == "t13":
        os._exit(3)
    return {"seen": row["topic"]}

def hang_on_t13(row):
    if row["topic"] == "t13":
        time.sleep(3600)
    return {"seen": row["topic"]}

def slow_and_marked(row):
    Path(PIDS_DIR, str(os.getpid())).touch()
    time.sleep(0.15)
    return {"seen": row["topic"]}
'''


def fault_pipeline(tmp_path: Path, function: str, batch_size: int = 8, extra: str = "") -> Path:
    (tmp_path / "ray_faults.py").write_text(FAULTS + f"\nPIDS_DIR = {str(tmp_path / 'pids')!r}\n")
    return write_pipeline(tmp_path, f"""
    name: faults_on_ray
    defaults: {{batch_size: {batch_size}}}
    steps:
      - {{name: src, type: make_rows, params: {{count: 40, columns: {{topic: "t{{i}}"}}}}}}
      - {{name: risky, type: map, {ON_RAY}, {extra}params: {{function: "ray_faults:{function}", output_columns: [seen]}}}}
    """)


def test_an_actor_that_dies_on_a_row_fails_that_row_alone(local_ray: None, tmp_path: Path) -> None:
    result = run_pipeline(compile_pipeline(load_spec(fault_pipeline(tmp_path, "exit_on_t13"))), tmp_path / "out")
    assert result.manifest.status == "completed"
    assert sorted(pl.read_parquet(result.outputs["risky"])["seen"]) == sorted(f"t{i}" for i in range(40) if i != 13)
    failed = pl.read_parquet(tmp_path / "out" / "failed" / "risky.parquet")
    assert failed.select("topic", "error").rows() == [("t13", "ActorDied: the Ray actor died (ActorDiedError)")]


def test_a_row_past_its_time_limit_fails_alone_and_its_actor_is_replaced(local_ray: None, tmp_path: Path) -> None:
    path = fault_pipeline(tmp_path, "hang_on_t13", batch_size=2, extra="row_timeout_s: 1, ")
    started = time.monotonic()
    result = run_pipeline(compile_pipeline(load_spec(path)), tmp_path / "out")
    assert time.monotonic() - started < 60
    assert sorted(pl.read_parquet(result.outputs["risky"])["seen"]) == sorted(f"t{i}" for i in range(40) if i != 13)
    failed = pl.read_parquet(tmp_path / "out" / "failed" / "risky.parquet")
    assert failed.select("topic", "error").rows() == [("t13", "RowTimedOut: row timed out after 1.0 s")]


def test_an_actor_killed_mid_run_is_replaced_and_its_batch_tried_again(local_ray: None, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    killed: list[int] = []

    def kill_the_first_actor() -> None:
        deadline = time.monotonic() + 60
        while not (seen := list(pids.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.02)
        if seen:
            killed.append(int(seen[0].name))
            os.kill(killed[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_the_first_actor)
    killer.start()
    result = run_pipeline(compile_pipeline(load_spec(fault_pipeline(tmp_path, "slow_and_marked"))), tmp_path / "out")
    killer.join()
    assert killed, "no actor started"
    assert result.manifest.status == "completed" and result.manifest.steps["risky"].failed == 0
    assert sorted(pl.read_parquet(result.outputs["risky"])["seen"]) == sorted(f"t{i}" for i in range(40))
    assert len({path.name for path in pids.iterdir()}) >= 2, "the lost actor was not replaced"
