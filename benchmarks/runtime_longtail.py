"""The long-tail and crash-cost workloads of `bench_runtime.py`.

`--workload longtail`: the test server answers each request after a lognormal latency drawn from its
prompt (`tests/support/latency.py`; median 0.2 s, sigma 1: one answer in ten takes over 0.72 s, one in a
thousand over 4.4 s), so a runtime that waits for a batch's slowest answer before it sends more leaves
most of its cap idle. pysynth (`pysynth run`) and distilabel (`Pipeline.run` on the compiled spec, on
`--distilabel-rows` rows) run the same spec, `max_concurrency` = `--concurrency` (the cap). From the
server's stats after each run:
- in flight / cap: the time-weighted mean of requests in flight from the first arrival to the last
  answer, over the cap; "while sending" stops at the last arrival, leaving out the drain that the tail
  stretches for any client (on 5,000 rows the drain is a large part of the run).
- rows/s: rows / the run's own seconds (pysynth: the manifest's `seconds`; distilabel: `run()`).
- rows/s / (cap / mean latency), the mean over the latencies the server applied to this run's prompts;
  and rows/s / the rate of a zero-cost client that sends the prompts in row order, each as soon as one of
  the cap's slots frees (the makespan of that schedule includes the drain, so it is the ideal for N rows).
Targets: >= 90% of the cap in flight, >= 90% of the ideal rows/s.

`--workload crash`: `pysynth run` of N rows (default 20,000 in the long-tail latency, ~35 s at 600 rows/s;
pass a smaller `--latency` median for a slower runtime) in its own process group, SIGKILLed once the server has answered `--kill-at` of the rows, then
`pysynth run --resume` to the end, on a fresh server per cycle. The server remembers every prompt it
answered, so the resume's requests split into prompts answered before the kill (re-sent: answers lost
with the process; target ~0) and prompts never answered. At the kill, "in shards" counts the rows of
`gen` batches committed to disk and "in cache" the answers in the request cache (`.pysynth/requests.sqlite`,
read-only; n/a when a runtime keeps none): what a resume can reuse.
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from runtime_harness import DATA, DISTILABEL, ROOT, child, child_env, median, prepare, prompt, pysynth_command

from tests.support.latency import LognormalLatency
from tests.support.openai_server import OpenAIServer

CHAT = "/v1/chat/completions"
Run = TypeVar("Run")


@dataclass(frozen=True)
class LongTailRun:
    rows: int
    seconds: float  # the contender's own time for the run
    server_seconds: float  # first request's arrival to last answer
    in_flight: float
    in_flight_sending: float
    peak: int
    mean_latency_s: float  # applied by the server, over this run's answers
    scheduled_s: float  # makespan of the ideal in-order schedule with the cap


@dataclass(frozen=True)
class CrashRun:
    rows: int
    killed_after_s: float
    answered_before: int
    checkpointed: int  # rows of `gen` shards on disk at the kill; -1: none found
    cached: int  # answers in the request cache at the kill; -1: no cache found
    resume_sent: int
    re_sent: int  # resume requests whose prompt was answered before the kill
    resume_s: float
    rows_out: int


def medians(runs: list[Run]) -> Run:
    """A run whose every field is the median of that field over `runs`."""
    first: Any = runs[0]
    values = {f.name: median([getattr(run, f.name) for run in runs]) for f in dataclasses.fields(first)}
    result: Run = dataclasses.replace(first, **{name: type(getattr(first, name))(v) for name, v in values.items()})
    return result


def scheduled_seconds(latencies: list[float], cap: int) -> float:
    """Makespan of sending requests in order, each as soon as one of `cap` slots is free, at no cost."""
    slots = [0.0] * min(cap, len(latencies))
    for latency in latencies:
        heapq.heapreplace(slots, slots[0] + latency)
    return max(slots, default=0.0)


def measure(rows: int, seconds: float, stats: dict[str, Any], latency: LognormalLatency, cap: int) -> LongTailRun:
    drawn = [latency.seconds(prompt(row)) for row in range(rows)]
    applied = stats["latency"]["mean_s"] or 0.0
    if not math.isclose(applied, sum(drawn) / rows, rel_tol=1e-6) or stats["answered"] != rows:
        print(f"note: the server answered {stats['answered']} requests with mean latency {applied:.4f} s; "
              f"the {rows} prompts expected draw {sum(drawn) / rows:.4f} s (retries, or another template?)")
    in_flight = stats["in_flight"]
    return LongTailRun(rows, seconds, in_flight["seconds"], in_flight["mean"], in_flight["mean_while_arriving"],
                       in_flight["peak"], applied, scheduled_seconds(drawn, cap))


def longtail_report(args: argparse.Namespace, rows_list: list[int]) -> None:
    latency, cap = LognormalLatency.parse(args.latency), args.concurrency
    results: list[tuple[str, LongTailRun]] = []
    with OpenAIServer(latency=latency.spec) as server:
        env = child_env(server.base_url)
        for rows in rows_list:
            pipeline, output = prepare(rows, args.batch_size, cap), DATA / f"out-longtail-{rows}"
            runs = []
            for _ in range(args.repeat):
                server.reset()
                child(pysynth_command(pipeline, output, "--overwrite"), env)
                manifest = json.loads((output / "run.json").read_text())
                if manifest["steps"]["post"]["rows_out"] != rows:
                    print(f"note: pysynth wrote {manifest['steps']['post']['rows_out']} of {rows} rows")
                runs.append(measure(rows, manifest["seconds"], server.stats(), latency, cap))
            results.append(("pysynth", medians(runs)))
        if args.distilabel_rows:
            pipeline = prepare(max(rows_list[0], args.distilabel_rows), args.batch_size, cap)
            server.reset()
            out, _, _ = child([sys.executable, "-c", DISTILABEL, str(pipeline), str(args.distilabel_rows)], env)
            seconds, produced = out.strip().splitlines()[-1].split()
            results.append(("distilabel Pipeline.run", measure(int(produced), float(seconds), server.stats(),
                                                               latency, cap)))
    print(f"\nlong-tail runtime benchmark, {os.cpu_count()} cores; server latency {latency.spec} "
          f"(distribution mean {latency.mean_s:.3f} s); cap = max_concurrency {cap}; "
          f"pysynth: medians of {args.repeat} run(s), distilabel: 1 run\n")
    print(f"| {'contender':<23} | {'rows':>6} | {'run s':>6} | {'server s':>8} | {'rows/s':>6} | {'in flight':>9} "
          f"| {'/ cap':>5} | {'while sending / cap':>19} | {'peak':>4} | {'mean lat s':>10} "
          f"| {'/ (cap / lat)':>13} | {'/ scheduled ideal':>17} |")
    print(f"|{'-' * 25}|{'-' * 7}:|{'-' * 7}:|{'-' * 9}:|{'-' * 7}:|{'-' * 10}:|{'-' * 6}:|{'-' * 20}:|{'-' * 5}:"
          f"|{'-' * 11}:|{'-' * 14}:|{'-' * 18}:|")
    for name, run in results:
        rate = run.rows / run.seconds
        print(f"| {name:<23} | {run.rows:>6,} | {run.seconds:>6.1f} | {run.server_seconds:>8.1f} | {rate:>6,.0f} "
              f"| {run.in_flight:>9.1f} | {run.in_flight / cap:>5.0%} | {run.in_flight_sending / cap:>19.0%} "
              f"| {run.peak:>4} | {run.mean_latency_s:>10.3f} | {rate / (cap / run.mean_latency_s):>13.0%} "
              f"| {rate / (run.rows / run.scheduled_s):>17.0%} |")
    schedules = ", ".join(f"{run.rows:,} rows {run.rows / run.scheduled_s:,.0f}" for _, run in results)
    print(f"\ntargets: in flight >= 90% of the cap; rows/s >= 90% of the ideal. Ideal rows/s: cap / mean latency "
          f"= {cap / latency.mean_s:,.0f} (distribution mean); the in-order schedule, its drain included: {schedules}")


def checkpointed_rows(output: Path, step: str) -> int:
    shards = sorted((output / ".pysynth" / "steps" / step).glob("*/shards/*.parquet"))
    return int(pl.scan_parquet(shards).select(pl.len()).collect().item()) if shards else -1


def cached_answers(output: Path) -> int:
    cache = output / ".pysynth" / "requests.sqlite"
    if not cache.exists():
        return -1
    try:
        with sqlite3.connect(f"file:{cache}?mode=ro", uri=True) as connection:
            return int(connection.execute("SELECT count(*) FROM answers").fetchone()[0])
    except sqlite3.Error:
        return -1


def crash_once(args: argparse.Namespace, rows: int) -> CrashRun:
    pipeline, output = prepare(rows, args.batch_size, args.concurrency), DATA / f"out-crash-{rows}"
    shutil.rmtree(output, ignore_errors=True)
    with OpenAIServer(latency=args.latency) as server:  # fresh: it has answered no prompt yet
        env, target = child_env(server.base_url), math.ceil(rows * args.kill_at)
        started = time.perf_counter()
        with (DATA / "crash-run.stderr").open("wb") as stderr:
            process = subprocess.Popen(pysynth_command(pipeline, output), env=env, cwd=ROOT, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=stderr)
            while server.stats()["answered"] < target and process.poll() is None:
                time.sleep(0.02)
            if process.poll() is not None:
                raise SystemExit(f"pysynth run ended ({process.returncode}) before {target} rows were answered; "
                                 f"see {DATA / 'crash-run.stderr'}")
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the whole group, children included
            process.wait()
        killed_after = time.perf_counter() - started
        time.sleep(0.3)  # the server sees the closed connections and drops their pending answers
        before = server.stats()
        checkpointed, cached = checkpointed_rows(output, "gen"), cached_answers(output)
        server.reset()  # counters only: the server still remembers the prompts it answered
        child(pysynth_command(pipeline, output, "--resume"), env)
        after = server.stats()
    manifest = json.loads((output / "run.json").read_text())
    return CrashRun(rows, killed_after, before["answered"], checkpointed, cached, after["by_path"].get(CHAT, 0),
                    after["prompts"]["repeated"], manifest["seconds"], manifest["steps"]["post"]["rows_out"])


def crash_report(args: argparse.Namespace, rows_list: list[int]) -> None:
    results = [medians([crash_once(args, rows) for _ in range(args.repeat)]) for rows in rows_list]
    print(f"\ncrash-cost benchmark, {os.cpu_count()} cores; server latency {args.latency}; "
          f"cap {args.concurrency}, batch_size {args.batch_size}; SIGKILL at {args.kill_at:.0%} of the rows answered; "
          f"medians of {args.repeat} cycle(s)\n")
    print(f"| {'rows':>6} | {'killed after s':>14} | {'answered before kill':>20} | {'in shards':>9} "
          f"| {'in cache':>8} | {'unanswered at kill':>18} | {'resume sent':>11} | {'re-sent':>7} | {'resume s':>8} "
          f"| {'rows out':>8} |")
    print(f"|{'-' * 7}:|{'-' * 15}:|{'-' * 21}:|{'-' * 10}:|{'-' * 9}:|{'-' * 19}:|{'-' * 12}:|{'-' * 8}:|{'-' * 9}:"
          f"|{'-' * 9}:|")
    for run in results:
        shards, cached = (f"{count:,}" if count >= 0 else "n/a" for count in (run.checkpointed, run.cached))
        print(f"| {run.rows:>6,} | {run.killed_after_s:>14.1f} | {run.answered_before:>20,} | {shards:>9} "
              f"| {cached:>8} | {run.rows - run.answered_before:>18,} | {run.resume_sent:>11,} | {run.re_sent:>7,} "
              f"| {run.resume_s:>8.1f} | {run.rows_out:>8,} |")
    print("\ntarget: re-sent ~= 0, i.e. the resume sends only the requests unanswered at the kill")
