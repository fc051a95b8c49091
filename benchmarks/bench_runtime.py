"""Benchmark the pipeline runtime: pysynth's executor vs distilabel's `Pipeline.run` vs a raw async client.

Workload (one spec for all): `load_file` of N rows -> `generate` (one chat completion per row,
max_tokens 16) -> `map` (a Python function per row), against the instantly answering OpenAI-protocol
test server (`tests/support/openai_server.py`, its own process on 127.0.0.1). Every contender runs in
its own child process, one after another, so peak RSS is theirs alone (`wait4` rusage).

Contenders:
- pysynth: `pysynth run FILE -o DIR --quiet` (streaming executor, checkpoints, exports, manifest).
  rows/s = N / the run's own `seconds` (manifest: execution + export, without Python start-up);
  the wall time of the whole command is shown too.
- distilabel: `Pipeline.run(use_cache=False)` on the very distilabel pipeline `pysynth compile` emits,
  on the first `--distilabel-rows` rows (it is too slow for N); rows/s = rows / time of `run()`.
- raw client: aiohttp, `--concurrency` tasks posting the same chat bodies and parsing the answers,
  nothing else: the ceiling for any runtime on this machine.

No pass/fail: prints a table with the targets (>= 1,500 rows/s, >= 20x distilabel, >= 80% of the raw
client, peak RSS flat from N = 20,000 to 200,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data" / "runtime"
sys.path.insert(0, str(ROOT))

from tests.support.openai_server import OpenAIServer  # noqa: E402

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

RAW_CLIENT = r"""
import asyncio, sys, time, aiohttp, orjson
url, rows, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        next_row = 0
        async def worker():
            nonlocal next_row
            while next_row < rows:
                i = next_row; next_row += 1
                body = {"model": "test-model", "max_tokens": 16,
                        "messages": [{"role": "user", "content": f"Write a hard problem about topic {i}."}]}
                async with session.post(url + "/chat/completions", data=orjson.dumps(body),
                                        headers={"Content-Type": "application/json"}) as response:
                    answer = orjson.loads(await response.read())
                    len(answer["choices"][0]["message"]["content"].split())
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        print(time.perf_counter() - started)
asyncio.run(main())
"""

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


def prepare(rows: int, batch_size: int, concurrency: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    data = DATA / f"rows-{rows}.jsonl"
    if not data.exists():
        data.write_text("".join(json.dumps({"topic": f"topic {i}"}) + "\n" for i in range(rows)))
    (DATA / "bench_functions.py").write_text(FUNCTIONS)
    pipeline = DATA / f"pipeline-{rows}.yaml"
    pipeline.write_text(PIPELINE.format(rows=rows, batch_size=batch_size, concurrency=concurrency))
    return pipeline


def child(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS MiB) of a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    _, status, usage = os.wait4(process.pid, 0) if process.returncode is None else (0, 0, None)
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{stderr.decode()[-3000:]}")
    del status
    rss = _peak_rss_mib(process, usage)
    return stdout.decode(), wall, rss


def _peak_rss_mib(process: subprocess.Popen[bytes], usage: object) -> float:
    return float(getattr(process, "peak_rss_kib", 0)) / 1024


class MeasuredPopen(subprocess.Popen):  # type: ignore[type-arg]
    """Popen whose wait records the child's rusage (peak RSS) through wait4."""

    def _try_wait(self, wait_flags: int):  # type: ignore[no-untyped-def]
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            self.peak_rss_kib = usage.ru_maxrss
        return pid, status


subprocess.Popen = MeasuredPopen  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,200000", help="N values for pysynth (comma-separated).")
    parser.add_argument("--distilabel-rows", type=int, default=2000)
    parser.add_argument("--raw-rows", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()
    python = sys.executable
    rows_list = [int(size) for size in args.sizes.split(",")]
    results: list[tuple[str, int, float, float, float]] = []  # name, rows, rows/s, wall, rss
    with OpenAIServer() as server:
        env = {**os.environ, "BASE_URL": server.base_url, "PYTHONPATH": str(ROOT)}
        out, wall, rss = child([python, "-c", RAW_CLIENT, server.base_url, str(args.raw_rows),
                                str(args.concurrency)], env)
        raw_rate = args.raw_rows / float(out.strip())
        results.append(("raw aiohttp client", args.raw_rows, raw_rate, wall, rss))
        for rows in rows_list:
            pipeline = prepare(rows, args.batch_size, args.concurrency)
            output = DATA / f"out-{rows}"
            _, wall, rss = child([python, "-m", "pysynth.cli", "run", str(pipeline), "-o", str(output), "--quiet",
                                  "--overwrite"], env)
            manifest = json.loads((output / "run.json").read_text())
            assert manifest["steps"]["post"]["rows_out"] == rows, manifest["steps"]
            results.append(("pysynth", rows, rows / manifest["seconds"], wall, rss))
        pipeline = prepare(max(rows_list[0], args.distilabel_rows), args.batch_size, args.concurrency)
        out, wall, rss = child([python, "-c", DISTILABEL, str(pipeline), str(args.distilabel_rows)], env)
        seconds, produced = out.strip().splitlines()[-1].split()
        results.append(("distilabel Pipeline.run", int(produced), int(produced) / float(seconds), wall, rss))
    print(f"\nruntime benchmark, {os.cpu_count()} cores; server: tests/support/openai_server.py (instant answers)\n")
    print(f"| {'contender':<24} | {'rows':>8} | {'rows/s':>8} | {'wall s':>7} | {'peak RSS MiB':>12} |")
    print(f"|{'-' * 26}|{'-' * 10}:|{'-' * 10}:|{'-' * 9}:|{'-' * 14}:|")
    for name, rows, rate, wall, rss in results:
        print(f"| {name:<24} | {rows:>8,} | {rate:>8,.0f} | {wall:>7.1f} | {rss:>12,.0f} |")
    pysynth_rates = [rate for name, _, rate, _, _ in results if name == "pysynth"]
    distilabel_rate = results[-1][2]
    print(f"\npysynth / distilabel: {min(pysynth_rates) / distilabel_rate:.1f}x (target >= 20x); "
          f"pysynth / raw client: {min(pysynth_rates) / raw_rate:.0%} (target >= 80%); "
          f"lowest pysynth rate: {min(pysynth_rates):,.0f} rows/s (target >= 1,500)")


if __name__ == "__main__":
    main()
