"""Benchmark the pipeline runtime: pysynth's executor vs distilabel's `Pipeline.run` vs a raw async client.

Workload (one spec for all, `runtime_harness.py`): `load_file` of N rows -> `generate` (one chat
completion per row, max_tokens 16) -> `map` (a Python function per row), against the OpenAI-protocol
test server (`tests/support/openai_server.py`, its own process on 127.0.0.1). Every contender runs in
its own child process, one after another, so peak RSS is theirs alone (`wait4` rusage).

`--workload instant` (the default): the server answers at once, so this measures the runtime's own cost.
- pysynth: `pysynth run FILE -o DIR --quiet` (streaming executor, checkpoints, exports, manifest).
  rows/s = N / the run's own `seconds` (manifest: execution + export, without Python start-up);
  the wall time of the whole command is shown too.
- distilabel: `Pipeline.run(use_cache=False)` on the very distilabel pipeline `pysynth compile` emits,
  on the first `--distilabel-rows` rows (it is too slow for N); rows/s = rows / time of `run()`.
- raw client: aiohttp, `--concurrency` tasks posting the same chat bodies and parsing the answers,
  nothing else: the ceiling for any runtime on this machine.
Targets: >= 1,500 rows/s, >= 20x distilabel, >= 80% of the raw client, peak RSS flat from N = 20,000 to
200,000.

`--workload longtail`: every answer waits a lognormal latency drawn from its prompt (median 0.2 s,
sigma 1), so the runtime's job is to keep `--concurrency` requests in flight; `--workload crash`: a run
SIGKILLed halfway, then resumed, counting the requests sent again. See `runtime_longtail.py`.

No pass/fail: prints one table per workload, medians over `--repeat` runs of pysynth (and of the raw
client); distilabel runs once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from runtime_harness import DATA, DISTILABEL, child, child_env, median, prepare, pysynth_command
from runtime_longtail import crash_report, longtail_report

from tests.support.openai_server import OpenAIServer

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
# Per workload: pysynth's N values, distilabel's rows, the server's latency.
DEFAULTS = {
    "instant": {"sizes": "20000,200000", "distilabel_rows": 2000, "latency": None},
    "longtail": {"sizes": "5000", "distilabel_rows": 1000, "latency": "lognormal:median=0.2,sigma=1"},
    "crash": {"sizes": "20000", "distilabel_rows": 0, "latency": "lognormal:median=0.2,sigma=1"},
}


def instant_report(args: argparse.Namespace, rows_list: list[int]) -> None:
    python = sys.executable
    results: list[tuple[str, int, float, float, float]] = []  # name, rows, rows/s, wall, rss
    with OpenAIServer() as server:
        env = child_env(server.base_url)
        runs = [child([python, "-c", RAW_CLIENT, server.base_url, str(args.raw_rows), str(args.concurrency)], env)
                for _ in range(args.repeat)]
        raw_rate = median([args.raw_rows / float(out.strip()) for out, _, _ in runs])
        results.append(("raw aiohttp client", args.raw_rows, raw_rate, median([r[1] for r in runs]),
                        median([r[2] for r in runs])))
        for rows in rows_list:
            pipeline = prepare(rows, args.batch_size, args.concurrency)
            output = DATA / f"out-{rows}"
            measured = []
            for _ in range(args.repeat):
                _, wall, rss = child(pysynth_command(pipeline, output, "--overwrite"), env)
                manifest = json.loads((output / "run.json").read_text())
                assert manifest["steps"]["post"]["rows_out"] == rows, manifest["steps"]
                measured.append((rows / manifest["seconds"], wall, rss))
            rate, wall, rss = (median([m[i] for m in measured]) for i in range(3))
            results.append(("pysynth", rows, rate, wall, rss))
        pipeline = prepare(max(rows_list[0], args.distilabel_rows), args.batch_size, args.concurrency)
        out, wall, rss = child([python, "-c", DISTILABEL, str(pipeline), str(args.distilabel_rows)], env)
        seconds, produced = out.strip().splitlines()[-1].split()
        results.append(("distilabel Pipeline.run", int(produced), int(produced) / float(seconds), wall, rss))
    print(f"\nruntime benchmark, {os.cpu_count()} cores; server: tests/support/openai_server.py (instant answers); "
          f"medians of {args.repeat} run(s)\n")
    print(f"| {'contender':<24} | {'rows':>8} | {'rows/s':>8} | {'wall s':>7} | {'peak RSS MiB':>12} |")
    print(f"|{'-' * 26}|{'-' * 10}:|{'-' * 10}:|{'-' * 9}:|{'-' * 14}:|")
    for name, rows, rate, wall, rss in results:
        print(f"| {name:<24} | {rows:>8,} | {rate:>8,.0f} | {wall:>7.1f} | {rss:>12,.0f} |")
    pysynth_rates = [rate for name, _, rate, _, _ in results if name == "pysynth"]
    distilabel_rate = results[-1][2]
    print(f"\npysynth / distilabel: {min(pysynth_rates) / distilabel_rate:.1f}x (target >= 20x); "
          f"pysynth / raw client: {min(pysynth_rates) / raw_rate:.0%} (target >= 80%); "
          f"lowest pysynth rate: {min(pysynth_rates):,.0f} rows/s (target >= 1,500)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=sorted(DEFAULTS), default="instant")
    parser.add_argument("--sizes", help="N values for pysynth, comma-separated (default: instant 20000,200000; "
                        "longtail 5000; crash 20000).")
    parser.add_argument("--distilabel-rows", type=int, help="default: instant 2000, longtail 1000 (0: skip it)")
    parser.add_argument("--raw-rows", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=256, help="the spec's max_concurrency (the cap)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of pysynth (and the raw client); medians")
    parser.add_argument("--latency", help="longtail/crash: the server's latency per prompt "
                        "(default lognormal:median=0.2,sigma=1)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="crash: the share of rows answered at the kill")
    args = parser.parse_args()
    for name, value in DEFAULTS[args.workload].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    rows_list = [int(size) for size in args.sizes.split(",")]
    if args.workload == "instant":
        instant_report(args, rows_list)
    elif args.workload == "longtail":
        longtail_report(args, rows_list)
    else:
        crash_report(args, rows_list)


if __name__ == "__main__":
    main()
