"""Benchmark a judge step's batches inline, on local worker processes and on Ray actors.

Workload: `--rows` (64) rows through one `map` step whose function judges a distinct Python
program on `--tests` (4) stdin tests in the sandbox (each worker keeps its own warm judge pool),
batches of `--batch-size` (8): the CPU-heavy shape of QueST's difficulty step and MicroCoder's
verification. Contenders, each a whole `run_pipeline` with a fresh output directory, median of
`--repeat` (3) runs:
- inline: no `workers:` (the executor's threads);
- processes: `workers: 2` (pysynth's spawn pool, workers started by the run);
- ray: `workers: {backend: ray, size: 2}` on a local instance started once before the runs
  (`ray.init(num_cpus=2)`; its start-up is reported on its own line), actors started by each run.
Every contender must give the same rows as inline; one that does not is marked (!).

    .venv/bin/python benchmarks/bench_ray_workers.py [--rows 64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pysynth.dag import compile_pipeline
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec

JUDGE_MODULE = '''
from pysynth import judge as J

CONFIG = J.JudgeConfig.build(workers=1, time_limit="2s", memory_limit="128M")

def judge_row(row):
    i = int(row["topic"][1:])
    program = J.Solution("python", f"n = int(input())\\nprint(n * {i % 7})\\n")
    tests = [J.Test(f"{k}\\n", f"{k * (i % 5)}\\n") for k in range(TESTS)]
    result = J.shared_pool(CONFIG).run([program], tests)
    return {"verdicts": ",".join(str(cell.verdict) for cell in result.runs[0])}
'''

CONTENDERS = {"inline": "", "processes": "workers: 2, ", "ray": "workers: {backend: ray, size: 2}, "}


def pipeline(folder: Path, workers: str, rows: int, batch_size: int) -> Path:
    path = folder / "pipeline.yaml"
    path.write_text(textwrap.dedent(f"""
    name: bench_workers
    defaults: {{batch_size: {batch_size}}}
    steps:
      - {{name: src, type: make_rows, params: {{count: {rows}, columns: {{topic: "t{{i}}"}}}}}}
      - {{name: judged, type: map, {workers}params: {{function: "judge_steps:judge_row", output_columns: [verdicts]}}}}
    """))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--tests", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray_start = time.perf_counter() - started
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    outputs: dict[str, pl.DataFrame] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "judge_steps.py").write_text(JUDGE_MODULE.replace("TESTS", str(args.tests)))
        for repeat in range(args.repeat):
            for name, workers in CONTENDERS.items():  # interleaved: the machine's noise hits all alike
                path = pipeline(folder, workers, args.rows, args.batch_size)
                began = time.perf_counter()
                result = run_pipeline(compile_pipeline(load_spec(path)), folder / f"{name}-{repeat}")
                times[name].append(time.perf_counter() - began)
                assert result.manifest.status == "completed", result.manifest.error
                outputs[name] = pl.read_parquet(result.outputs["judged"]).sort("topic").drop("_row_id")
    ray.shutdown()
    inline = statistics.median(times["inline"])
    print(f"{args.rows} rows x {args.tests} tests, batches of {args.batch_size}, median of {args.repeat} runs; "
          f"local Ray instance start: {ray_start:.2f} s (once)")
    print(f"{'contender':<12} {'median s':>9} {'rows/s':>8} {'vs inline':>10}")
    for name, runs in times.items():
        median = statistics.median(runs)
        same = "" if outputs[name].equals(outputs["inline"]) else " (!)"
        print(f"{name + same:<12} {median:>9.2f} {args.rows / median:>8.1f} {median / inline:>9.2f}x")


if __name__ == "__main__":
    main()
