"""Benchmark the judge as an RL reward: `code_reward` on a GRPO-shaped batch, and `pysynth
judge-server` under a bounded loopback load, each against its peer measured in the same run.

Workload: a GRPO batch of `--prompts` (8) prompts x `--generations` (8) completions = 64, each row
with `--tests` (10) stdin tests ("print 2n"). Per prompt, the completions are 4 right programs,
one right on the first half of the tests only, one wrong from the first test, one that crashes,
and one answer without code: what a policy early in training writes. Every completion's source is
distinct (a comment with its index), so nothing can be reused across completions.

Reward table (completions/s for the whole batch, extraction and scoring included; median over
`--repeat` (3) batches):
- pysynth code_reward: the batch in one call, judged concurrently on a warm 2-sandbox pool
  (`scoring="pass_rate"`, and `"all_pass"` with the judge's early exit);
- pysynth, one completion at a time: the same reward called per completion (a reward loop that
  does not batch);
- subprocess.run (unsandboxed peer): the same extracted programs run per test with
  `subprocess.run([python, "-I", "-S", file])`, two completions at a time, stopping at the first
  failure for all-pass; what an in-process evaluator that is "not a security sandbox" does.
Each contender's scores must equal pysynth's batch scores; a contender that disagrees is marked (!).

Server table: the same 64 x 10 runs as verl sends them, one `POST /run_code` per test (no expected
output, the client compares), `--concurrency` (8) requests in flight from an aiohttp client, to a
`pysynth judge-server --workers 2` subprocess on 127.0.0.1; against the same 640 single-test calls
through the Python API (`Pool.run` from 8 threads in this process). Requests/s and the latency
percentiles (p50/p90/p99, per request, queueing included) over all repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pysynth import judge as J
from pysynth.quest.code import extract_code
from pysynth.rewards import CodeReward, code_reward

PYTHON = os.path.realpath(sys.executable)
TIME_LIMIT = 2.0
WORKERS = 2


# ---------------------------------------------------------------- the batch
def fenced(source: str) -> str:
    return f"Let me think about it.\n\n```python\n{source}\n```\n"


KINDS = ("right", "right", "right", "right", "half", "wrong", "crash", "no code")
"""What each generation of a prompt writes (generations beyond 8 cycle through them)."""


def completion(prompt: int, generation: int, tests: int) -> str:
    tag = f"# completion {prompt}.{generation}\n"
    kind = KINDS[generation % len(KINDS)]
    if kind == "right":
        return fenced(tag + "print(int(input()) * 2)")
    if kind == "half":
        return fenced(tag + f"n = int(input())\nprint(2 * n if n <= {tests // 2} else 0)")
    if kind == "wrong":
        return fenced(tag + "print(0)")
    if kind == "crash":
        return fenced(tag + "n = int(input())\nraise ValueError(n)")
    return f"I believe the answer is twice the input ({prompt}.{generation})."


def expected_stdout(kind: str, n: int, tests: int) -> str:
    """What the program of `kind` prints for n ("error": it fails)."""
    if kind == "crash":
        return "error"
    return str(2 * n if kind == "right" or (kind == "half" and n <= tests // 2) else 0)


@dataclass(frozen=True)
class Batch:
    completions: list[str]
    kinds: list[str]
    tests: list[list[dict[str, str]]]
    """The tests column, one value per completion (trl repeats a row once per generation)."""


def make_batch(prompts: int, generations: int, tests: int) -> Batch:
    completions, kinds, column = [], [], []
    for prompt in range(prompts):
        row = [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in range(1, tests + 1)]
        for generation in range(generations):
            completions.append(completion(prompt, generation, tests))
            kinds.append(KINDS[generation % len(KINDS)])
            column.append(row)
    return Batch(completions, kinds, column)


# ---------------------------------------------------------------- reward contenders
def peer_scores(batch: Batch, scoring: str, workdir: Path) -> list[float]:
    """The unsandboxed peer: each program run per test by subprocess.run, two completions at a time."""

    def one(index: int) -> float:
        found = extract_code(batch.completions[index])
        if not isinstance(found, J.Solution):
            return 0.0
        path = workdir / f"c{index}.py"
        path.write_text(found.source)
        passed = 0
        for test in batch.tests[index]:
            try:
                done = subprocess.run([PYTHON, "-I", "-S", str(path)], input=test["input"].encode(),
                                      capture_output=True, timeout=TIME_LIMIT, check=False)
                good = done.returncode == 0 and done.stdout.split() == test["output"].encode().split()
            except subprocess.TimeoutExpired:
                good = False
            passed += good
            if not good and scoring == "all_pass":
                break
        rate = passed / len(batch.tests[index])
        return rate if scoring == "pass_rate" else float(rate == 1.0)

    with ThreadPoolExecutor(WORKERS) as threads:
        return list(threads.map(one, range(len(batch.completions))))


@dataclass
class RewardRow:
    contender: str
    scoring: str
    rate: float
    """Completions per second (median)."""
    seconds: float
    agrees: bool


def timed(call: Callable[[], list[float]], repeat: int) -> tuple[float, list[float]]:
    times, scores = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        scores = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), scores


def one_at_a_time(reward: CodeReward, batch: Batch) -> list[float]:
    return [reward([text], tests=[row])[0] for text, row in zip(batch.completions, batch.tests)]


def reward_rows(batch: Batch, pool: J.Pool, repeat: int) -> list[RewardRow]:
    rows = []
    count = len(batch.completions)
    with tempfile.TemporaryDirectory(prefix="bench-reward-") as tmp:
        for scoring in ("pass_rate", "all_pass"):
            reward = code_reward(pool=pool, scoring=scoring)
            reward(batch.completions[:1], tests=batch.tests[:1])  # threads and call configs made before timing
            contenders: list[tuple[str, Callable[[], list[float]]]] = [
                ("pysynth code_reward (batch)", partial(reward, batch.completions, tests=batch.tests)),
                ("pysynth, one completion at a time", partial(one_at_a_time, reward, batch)),
                ("subprocess.run (unsandboxed peer)", partial(peer_scores, batch, scoring, Path(tmp))),
            ]
            reference: list[float] | None = None
            for name, call in contenders:
                print(f"  reward {scoring} {name} ...", file=sys.stderr, flush=True)
                seconds, scores = timed(call, repeat)
                reference = scores if reference is None else reference
                rows.append(RewardRow(name, scoring, count / seconds, seconds, scores == reference))
    return rows


# ---------------------------------------------------------------- server load
def percentiles(latencies: Sequence[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[89] * 1e3, cuts[98] * 1e3


@dataclass
class LoadRow:
    contender: str
    requests: int
    rps: float
    p50: float
    p90: float
    p99: float
    wrong: int


def runs_of(batch: Batch) -> list[tuple[str, str, str]]:
    """(source, stdin, expected stdout or "error") of every run verl would request; completions
    without code are left out (verl scores them without calling the sandbox)."""
    runs = []
    for text, kind, tests in zip(batch.completions, batch.kinds, batch.tests):
        found = extract_code(text)
        if isinstance(found, J.Solution):
            runs += [(found.source, test["input"], expected_stdout(kind, int(test["input"]), len(tests)))
                     for test in tests]
    return runs


def start_server(workers: int) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, "-m", "pysynth.cli", "judge-server", "--port", "0", "--workers", str(workers),
                               "--memory-limit", "256M"], stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    line = server.stderr.readline()
    found = re.search(r"POST (http://127\.0\.0\.1:\d+)/run_code", line)
    if not found:
        server.kill()
        raise SystemExit(f"judge-server did not start: {line}{server.stderr.read()}")
    return server, found.group(1)


async def http_load(url: str, runs: list[tuple[str, str, str]], concurrency: int) -> tuple[float, list[float], int]:
    import aiohttp

    slots = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    wrong = 0

    async def one(session: aiohttp.ClientSession, source: str, stdin: str, expected: str) -> None:
        nonlocal wrong
        payload = {"compile_timeout": 10, "run_timeout": TIME_LIMIT, "code": source, "stdin": stdin,
                   "memory_limit_MB": 256, "language": "python", "files": {}, "fetch_files": []}
        async with slots:
            start = time.perf_counter()
            async with session.post(f"{url}/run_code", data=json.dumps(payload)) as response:
                answer = await response.json()
            latencies.append(time.perf_counter() - start)
        outcome = "error" if answer["status"] == "Failed" else (answer["run_result"] or {}).get("stdout", "").strip()
        wrong += outcome != expected

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one(session, *run) for run in runs))
        return time.perf_counter() - start, latencies, wrong


def api_load(pool: J.Pool, runs: list[tuple[str, str, str]], concurrency: int) -> tuple[float, list[float], int]:
    call = J.JudgeConfig.build(pool.config, time_limit=TIME_LIMIT, wall_time_limit=TIME_LIMIT, workers=1)

    def one(run: tuple[str, str, str]) -> tuple[float, bool]:
        source, stdin, expected = run
        start = time.perf_counter()
        cell = pool.run([J.Solution("python", source)], [J.Test(stdin, None)], call).runs[0][0]
        seconds = time.perf_counter() - start
        outcome = "error" if cell.verdict != J.Verdict.FINISHED else cell.stdout.decode().strip()
        return seconds, outcome != expected

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as threads:
        done = list(threads.map(one, runs))
    return time.perf_counter() - start, [seconds for seconds, _ in done], sum(bad for _, bad in done)


def load_rows(batch: Batch, pool: J.Pool, repeat: int, concurrency: int) -> list[LoadRow]:
    runs = runs_of(batch)
    server, url = start_server(WORKERS)
    rows = []
    try:
        asyncio.run(http_load(url, runs[:concurrency], concurrency))  # warm: connections and sandboxes
        api_load(pool, runs[:concurrency], concurrency)
        samples: dict[str, list[tuple[float, list[float], int]]] = {"judge-server (HTTP, verl-shaped)": [],
                                                                      "Python API (Pool.run, threads)": []}
        for round_ in range(repeat):  # interleaved: this VM's speed drifts over minutes
            print(f"  load round {round_ + 1} ...", file=sys.stderr, flush=True)
            samples["judge-server (HTTP, verl-shaped)"].append(asyncio.run(http_load(url, runs, concurrency)))
            samples["Python API (Pool.run, threads)"].append(api_load(pool, runs, concurrency))
        for name, taken in samples.items():
            latencies = [latency for _, sample, _ in taken for latency in sample]
            p50, p90, p99 = percentiles(latencies)
            rate = statistics.median(len(runs) / seconds for seconds, _, _ in taken)
            rows.append(LoadRow(name, len(runs), rate, p50, p90, p99, sum(bad for _, _, bad in taken)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


# ---------------------------------------------------------------- report
def machine_busy_s() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight in the load test")
    parser.add_argument("--workload", choices=("all", "reward", "server"), default="all")
    args = parser.parse_args()
    batch = make_batch(args.prompts, args.generations, args.tests)
    count = len(batch.completions)
    busy, wall = machine_busy_s(), time.perf_counter()
    with J.Pool(workers=WORKERS, time_limit=TIME_LIMIT, memory_limit="256M") as pool:
        pool.run([J.Solution("python", "print(1)")], [J.Test("")])  # the sandboxes start before any timing
        if args.workload in ("all", "reward"):
            rows = reward_rows(batch, pool, args.repeat)
            print(f"Reward: a GRPO batch of {count} completions ({args.prompts} prompts x {args.generations}) x "
                  f"{args.tests} tests, {WORKERS} sandboxes, {args.repeat} repeats, medians\n")
            print("| contender | scoring | completions/s | s per batch | scores agree |")
            print("|---|---|---:|---:|---|")
            for r in rows:
                name = r.contender + ("" if r.agrees else " (!)")
                print(f"| {name} | {r.scoring} | {r.rate:.0f} | {r.seconds:.2f} | {'yes' if r.agrees else 'NO'} |")
            print()
        if args.workload in ("all", "server"):
            loads = load_rows(batch, pool, args.repeat, args.concurrency)
            print(f"Server load: {loads[0].requests} single-test runs (the batch's programs x tests, as verl sends "
                  f"them), {args.concurrency} in flight, {WORKERS} sandboxes, loopback, {args.repeat} rounds\n")
            print("| contender | requests | requests/s (median) | p50 ms | p90 ms | p99 ms | wrong outputs |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for load in loads:
                print(f"| {load.contender} | {load.requests} | {load.rps:.0f} | {load.p50:.1f} | {load.p90:.1f} | "
                      f"{load.p99:.1f} | {load.wrong} |")
            print()
    elapsed = time.perf_counter() - wall
    print("Machine:")
    print(f"- cores: {len(os.sched_getaffinity(0))} usable of {os.cpu_count()}; python {platform.python_version()}; "
          f"kernel {platform.release()}")
    print(f"- CPU busy during the run (all processes): {machine_busy_s() - busy:.1f} s in {elapsed:.1f} s wall")


if __name__ == "__main__":
    main()
