"""What every workload of `bench_runtime.py` shares: the spec, its data files, and measured child processes.

One spec for all workloads and contenders: `load_file` of N rows -> `generate` (one chat completion per row,
max_tokens 16) -> `map` (a Python function per row). Each contender runs in its own child process so its
peak RSS (`wait4` rusage) is its own.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data" / "runtime"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIPELINE = """
name: bench-runtime
defaults:
  batch_size: {batch_size}
  llm: {{base_url: "${{BASE_URL}}", model: test-model, max_concurrency: {concurrency},
        generation: {{max_tokens: 16}}}}
steps:
  - {{name: src, type: load_file, params: {{path: rows-{rows}.jsonl}}}}
  - {{name: gen, type: generate, params: {{template: "Write a hard problem about {{topic}}."}}}}
  - {{name: post, type: map, params: {{function: "bench_functions:measure", input_columns: [generation],
                                     output_columns: [words]}}}}
"""
FUNCTIONS = "def measure(row):\n    return {'words': len(row['generation'].split())}\n"

DISTILABEL = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
from pysynth.dag import compile_pipeline
from pysynth.spec import load_spec
compiled = compile_pipeline(load_spec(sys.argv[1], [f"steps.src.params.limit={sys.argv[2]}"]))
started = time.perf_counter()
distiset = compiled.pipeline.run(use_cache=False)
elapsed = time.perf_counter() - started
print(elapsed, sum(len(split) for split in distiset["default"].values()) if distiset else 0)
"""


def prompt(row: int) -> str:
    """The user message `generate` sends for row `row` of the data file (the spec's template, filled)."""
    return f"Write a hard problem about topic {row}."


def prepare(rows: int, batch_size: int, concurrency: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    data = DATA / f"rows-{rows}.jsonl"
    if not data.exists():
        data.write_text("".join(json.dumps({"topic": f"topic {i}"}) + "\n" for i in range(rows)))
    (DATA / "bench_functions.py").write_text(FUNCTIONS)
    pipeline = DATA / f"pipeline-{rows}.yaml"
    pipeline.write_text(PIPELINE.format(rows=rows, batch_size=batch_size, concurrency=concurrency))
    return pipeline


def pysynth_command(pipeline: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pysynth.cli", "run", str(pipeline), "-o", str(output), "--quiet", *extra]


def child_env(base_url: str) -> dict[str, str]:
    return {**os.environ, "BASE_URL": base_url, "PYTHONPATH": str(ROOT)}


def child(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS MiB) of a child process."""
    started = time.perf_counter()
    process = MeasuredPopen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{stderr.decode()[-3000:]}")
    return stdout.decode(), wall, float(getattr(process, "peak_rss_kib", 0)) / 1024


class MeasuredPopen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen whose wait records the child's rusage (peak RSS) through wait4."""

    def _try_wait(self, wait_flags: int):  # type: ignore[no-untyped-def]
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            self.peak_rss_kib = usage.ru_maxrss
        return pid, status


def median(values: list[float]) -> float:
    return float(statistics.median(values))
