"""Benchmark the sandboxed judge's per-run overhead against plain `subprocess.run` and `bwrap`.

Workload: `--tests` (100) tests of a trivial stdin program that reads an integer n and prints 2*n,
in Python and in C++ (`--only` picks one). Every run's stdout is checked against 2*n; a contender
with any failure is marked with "(!)" and cannot PASS a target.

Contenders, all in this process, one after another:
- pysynth (sandboxed): `judge.run([Solution], tests, workers=1|2)` with the expected outputs given,
  so the judge's comparison is included. Python runs in the judge's warm zygote (forked per test,
  the zygote itself is `python -I -S -B`); C++ is compiled once per call with the judge's flags.
- subprocess: `subprocess.run` of the same interpreter (`realpath(sys.executable)`) on a solution
  file, or of the C++ binary compiled once, outside the timing, with `g++ -std=c++17 -O2 -pipe`.
  Python gets `--python-flags` (default `-I -S`, the zygote's own flags): the fastest cold start,
  and immune to `.pth` files in the base site-packages, which can cost tens of ms per start
  (`--python-flags ""` starts it like a plain judge would, `site` imported).
- bwrap (when installed): the same commands inside `bwrap --unshare-all --die-with-parent`, with
  /usr, the Python prefix (`realpath(sys.base_prefix)`) and the solution's directory bound
  read-only, /lib, /lib64 and /bin symlinked, fresh /proc, /dev and /tmp, an empty environment.
Peers run sequentially (workers=1) and two at a time from a `ThreadPoolExecutor(2)` (workers=2).

A second table (`--workload quest`, part of the default run) has QueST's shape: `--calls` (20)
calls of 8 solutions x 10 tests, no expected outputs (outputs are voted), 2 workers, through
`judge.run` (sandboxes started per call), through one warm `judge.Pool`, and as one steady-state
call of 8 solutions x (10 x calls) tests; beside them `subprocess.run` of the same program,
unsandboxed, two at a time. It reports runs/s end to end (compiles and start-up included) and in
the run phase (each call's compile phase, the sum of its compile wall times / 2 workers, taken out:
g++ takes ~0.5 s a solution, which no sandbox can save).

Measured, as the median over `--repeat` (5) repetitions:
- ms/run: median per-run wall time. pysynth: the judge's own `wall_time`, which runs from the "go"
  sent to the already-cloned, cgroup-placed child until its exit status is read, so it excludes
  the clone, the cgroup placement and the output comparison. Peers: the time around one
  `subprocess.run` call (fork, exec, interpreter start, the run, pipe collection, wait).
- runs/s (run phase): tests / time of the run phase. pysynth: the end-to-end `judge.run` time
  minus the compile's `wall_time` (sandbox and zygote start-up stay in). Peers: the whole loop.
- runs/s incl. start-up+compile: tests / end-to-end time. pysynth: the whole `judge.run` call.
  Peers: the run phase plus, for C++, the one-off g++ compile time.
The effective cost per run implied by the throughput (workers / runs/s) is printed after the table,
and so is the CPU time other processes used while each contender ran: timings taken on a busy
machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
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
from typing import Any

from judge_languages import language_report, language_rows  # the --workload languages table
from pysynth import judge as J

PY_SOURCE = "n = int(input())\nprint(2 * n)\n"
CPP_SOURCE = (
    '#include <cstdio>\nint main() { long long n; if (scanf("%lld", &n) != 1) return 1; printf("%lld\\n", 2 * n); }\n'
)
CPP_FLAGS = ("-std=c++17", "-O2", "-pipe")
PYTHON = os.path.realpath(sys.executable)
PREFIX = os.path.realpath(sys.base_prefix)
TARGET_PY_MS, TARGET_PY_RPS, TARGET_CPP_RPS = 6.0, 200.0, 500.0
# QueST-shaped workload (2 workers): sandboxed throughput, and the pool against steady state.
QUEST_PY_RPS, QUEST_CPP_RPS, QUEST_POOL_SHARE = 400.0, 1000.0, 0.95
QUEST_SOLUTIONS, QUEST_TESTS = 8, 10
ORDER = ("pysynth (sandboxed)", "subprocess.run", "bwrap")


@dataclass
class Row:
    contender: str
    language: str
    workers: int
    ms_per_run: float
    rps_run: float
    rps_total: float
    failures: int
    other_cpu: float = 0.0
    wall: float = 0.0


@dataclass
class Sample:
    """One repetition of one contender."""

    run_times: list[float]
    run_phase: float
    total: float
    failures: int


def make_tests(count: int) -> list[tuple[str, str]]:
    return [(f"{i * 7919 - 50_000}\n", f"{2 * (i * 7919 - 50_000)}\n") for i in range(count)]


def ok(stdout: bytes, expected: str) -> bool:
    return stdout.decode(errors="replace").strip() == expected.strip()


def summarize(name: str, language: str, workers: int, tests: int, samples: Sequence[Sample]) -> Row:
    return Row(
        contender=name,
        language=language,
        workers=workers,
        ms_per_run=statistics.median(statistics.median(s.run_times) for s in samples) * 1e3,
        rps_run=statistics.median(tests / s.run_phase for s in samples),
        rps_total=statistics.median(tests / s.total for s in samples),
        failures=sum(s.failures for s in samples),
    )


# ---------------------------------------------------------------- contenders
def pysynth_sample(language: str, source: str, tests: list[tuple[str, str]], workers: int) -> Sample:
    cases = [J.Test(input=i, expected=e) for i, e in tests]
    start = time.perf_counter()
    solution = J.Solution(language, source)  # type: ignore[arg-type]
    result = J.run([solution], cases, workers=workers, time_limit="2s")
    total = time.perf_counter() - start
    runs = result.runs[0]
    failures = sum(r.verdict != J.Verdict.ACCEPTED or not ok(r.stdout, e) for r, (_, e) in zip(runs, tests))
    compile_time = result.compiles[0].wall_time if result.compiles else 0.0
    return Sample([r.wall_time for r in runs], total - compile_time, total, failures)


def peer_sample(command: list[str], tests: list[tuple[str, str]], workers: int, compile_time: float) -> Sample:
    def one(test: tuple[str, str]) -> tuple[float, bool]:
        start = time.perf_counter()
        done = subprocess.run(command, input=test[0].encode(), capture_output=True, timeout=30, check=False)
        return time.perf_counter() - start, done.returncode == 0 and ok(done.stdout, test[1])

    start = time.perf_counter()
    if workers == 1:
        results = [one(t) for t in tests]
    else:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, tests))
    run_phase = time.perf_counter() - start
    return Sample([t for t, _ in results], run_phase, run_phase + compile_time, sum(not good for _, good in results))


def bwrap_command(inner: list[str], solution_dir: str) -> list[str]:
    return [
        "bwrap", "--unshare-all", "--die-with-parent",
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--ro-bind", PREFIX, PREFIX, "--ro-bind", solution_dir, "/sol",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp", "--clearenv", *inner,
    ]  # fmt: skip


def prepare(language: str, workdir: Path, flags: list[str]) -> tuple[list[str], list[str], float]:
    """The direct and the bwrap command for `language`, and the one-off compile time."""
    if language == "python":
        (workdir / "sol.py").write_text(PY_SOURCE)
        sandboxed = bwrap_command([PYTHON, *flags, "/sol/sol.py"], str(workdir))
        return [PYTHON, *flags, str(workdir / "sol.py")], sandboxed, 0.0
    (workdir / "sol.cpp").write_text(CPP_SOURCE)
    start = time.perf_counter()
    subprocess.run(["g++", *CPP_FLAGS, "-o", str(workdir / "sol"), str(workdir / "sol.cpp")], check=True)
    return [str(workdir / "sol")], bwrap_command(["/sol/sol"], str(workdir)), time.perf_counter() - start


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def measure(name: str, language: str, workers: int, tests: int, repeat: int, sample: Callable[[], Sample]) -> Row:
    """`repeat` samples summarized, with the CPU other processes used meanwhile (ours: self + reaped children)."""
    busy, own, wall = machine_busy_s(), sum(os.times()[:4]), time.perf_counter()
    row = summarize(name, language, workers, tests, [sample() for _ in range(repeat)])
    row.other_cpu = max(0.0, machine_busy_s() - busy - (sum(os.times()[:4]) - own))
    row.wall = time.perf_counter() - wall
    return row


def bench_language(language: str, tests: list[tuple[str, str]], repeat: int, flags: list[str]) -> list[Row]:
    source = PY_SOURCE if language == "python" else CPP_SOURCE
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:
        os.chmod(tmp, 0o755)
        direct, sandboxed, compile_time = prepare(language, Path(tmp), flags)
        contenders: list[tuple[str, int, Callable[[], Sample]]] = []
        for workers in (1, 2):
            judge = partial(pysynth_sample, language, source, tests, workers)
            contenders.append(("pysynth (sandboxed)", workers, judge))
            contenders.append(("subprocess.run", workers, partial(peer_sample, direct, tests, workers, compile_time)))
            if shutil.which("bwrap"):
                contenders.append(("bwrap", workers, partial(peer_sample, sandboxed, tests, workers, compile_time)))
        contenders.sort(key=lambda c: ORDER.index(c[0]))  # stable: workers 1 before 2
        for name, workers, sample in contenders:
            print(f"  {language:6} {name} workers={workers} ...", file=sys.stderr, flush=True)
            rows.append(measure(name, language, workers, len(tests), repeat, sample))
    return rows


# ---------------------------------------------------------------- report
HEADER = ("| contender | language | workers | ms/run (median) | runs/s (run phase) "
          "| runs/s incl. start-up+compile | failures |")


def table(rows: Sequence[Row], languages: Sequence[str]) -> str:
    lines = [HEADER, "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        name = r.contender + (" (!)" if r.failures else "")
        numbers = f"{r.ms_per_run:.2f} | {r.rps_run:.0f} | {r.rps_total:.0f}"
        lines.append(f"| {name} | {r.language} | {r.workers} | {numbers} | {r.failures} |")
    if not shutil.which("bwrap"):
        lines += [f"| bwrap | {language} | - | not installed | - | - | - |" for language in languages]
    return "\n".join(lines)


def find(rows: Sequence[Row], language: str, workers: int) -> Row | None:
    matches = (r for r in rows if r.contender == ORDER[0] and r.language == language and r.workers == workers)
    return next(matches, None)


def check(passed: bool, text: str) -> str:
    return f"- {'PASS' if passed else 'MISS'}: {text}"


def targets(rows: Sequence[Row]) -> list[str]:
    out = []
    if (py := find(rows, "python", 2)) is not None:
        one = find(rows, "python", 1)
        alone = f"1 worker: {one.ms_per_run:.2f} ms" if one else "1 worker: -"
        out.append(check(py.failures == 0 and py.ms_per_run <= TARGET_PY_MS, f"sandboxed Python median "
                         f"{py.ms_per_run:.2f} ms/run with 2 workers ({alone}), target <= {TARGET_PY_MS:g} ms"))
        out.append(check(py.failures == 0 and py.rps_run >= TARGET_PY_RPS,
                         f"sandboxed Python {py.rps_run:.0f} runs/s with 2 workers, target >= {TARGET_PY_RPS:g}"))
    if (cpp := find(rows, "cpp", 2)) is not None:
        out.append(check(cpp.failures == 0 and cpp.rps_run >= TARGET_CPP_RPS,
                         f"sandboxed C++ {cpp.rps_run:.0f} runs/s with 2 workers, target >= {TARGET_CPP_RPS:g}"))
    return out


# ---------------------------------------------------------------- QueST-shaped workload
@dataclass
class QuestRow:
    contender: str
    language: str
    runs: int
    rps: float
    """End to end: compiles and sandbox start-up included."""
    rps_run: float
    """Run phase: the compile phases (sum of compile wall times / 2 workers) taken out."""
    failures: int


@dataclass
class QuestSample:
    seconds: float
    compile_seconds: float
    failures: int


def quest_solutions(language: str) -> list[J.Solution]:
    """Eight distinct sources (each compiled on its own), all doubling their input."""
    source = PY_SOURCE if language == "python" else CPP_SOURCE
    marker = "#" if language == "python" else "//"
    return [J.Solution(language, f"{marker} candidate {index}\n{source}") for index in range(QUEST_SOLUTIONS)]  # type: ignore[arg-type]


def quest_sample(call: Callable[[list[J.Test]], J.JudgeResult], calls: list[list[J.Test]], workers: int) -> QuestSample:
    start, compile_seconds, failures = time.perf_counter(), 0.0, 0
    for tests in calls:
        result = call(tests)
        compile_seconds += sum(c.wall_time for c in result.compiles) / workers
        failures += sum(cell.verdict != J.Verdict.FINISHED for row in result.runs for cell in row)
    return QuestSample(time.perf_counter() - start, compile_seconds, failures)


def quest_rows(language: str, calls: int, repeat: int) -> list[QuestRow]:
    solutions = quest_solutions(language)
    pairs = make_tests(QUEST_TESTS)
    per_call = [[J.Test(i) for i, _ in pairs] for _ in range(calls)]
    one_call = [[test for call in per_call for test in call]]
    runs, workers = calls * QUEST_SOLUTIONS * QUEST_TESTS, 2
    options: dict[str, Any] = {"workers": workers, "time_limit": "2s"}
    rows = []
    with J.Pool(**options) as pool:
        pool.run(solutions[:1], per_call[0][:1])  # warm: the pool's sandboxes start once, before timing
        contenders: list[tuple[str, Callable[[list[J.Test]], J.JudgeResult], list[list[J.Test]]]] = [
            ("steady state (one call)", lambda tests: J.run(solutions, tests, **options), one_call),
            ("judge.run per call", lambda tests: J.run(solutions, tests, **options), per_call),
            ("Pool.run per call", lambda tests: pool.run(solutions, tests), per_call),
        ]
        # Repeats interleave the contenders: this VM's speed drifts by tens of percent over minutes.
        samples: dict[str, list[QuestSample]] = {name: [] for name, _, _ in contenders}
        for round_ in range(repeat):
            for name, call, work in contenders:
                print(f"  quest {language:6} {name} (round {round_ + 1}) ...", file=sys.stderr, flush=True)
                samples[name].append(quest_sample(call, work, workers))
        for name, taken in samples.items():
            rows.append(QuestRow(name, language, runs, statistics.median(runs / s.seconds for s in taken),
                                 statistics.median(runs / (s.seconds - s.compile_seconds) for s in taken),
                                 sum(s.failures for s in taken)))
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:
        direct, _, compile_time = prepare(language, Path(tmp), ["-I", "-S"])
        # The peer runs the program once per (solution, test) too, two at a time; outputs are checked.
        plain = pairs * (calls * QUEST_SOLUTIONS)
        peer = [peer_sample(direct, plain, workers, compile_time) for _ in range(repeat)]
        rps = statistics.median(runs / s.run_phase for s in peer)
        rows.append(QuestRow("subprocess.run (unsandboxed)", language, runs, rps, rps, sum(s.failures for s in peer)))
    return rows


def quest_report(rows: Sequence[QuestRow]) -> list[str]:
    lines = ["| contender | language | runs | runs/s end to end | runs/s run phase | run phase vs steady | failures |",
             "|---|---|---:|---:|---:|---:|---:|"]
    out = []
    for language in dict.fromkeys(r.language for r in rows):
        mine = [r for r in rows if r.language == language]
        steady = next(r for r in mine if r.contender.startswith("steady"))
        for r in mine:
            name = r.contender + (" (!)" if r.failures else "")
            lines.append(f"| {name} | {language} | {r.runs} | {r.rps:.0f} | {r.rps_run:.0f} | "
                         f"{r.rps_run / steady.rps_run:.0%} | {r.failures} |")
        pool = next(r for r in mine if r.contender.startswith("Pool"))
        target = QUEST_PY_RPS if language == "python" else QUEST_CPP_RPS
        out.append(check(pool.failures == 0 and pool.rps_run >= QUEST_POOL_SHARE * steady.rps_run,
                         f"{language}: Pool {pool.rps_run:.0f} runs/s (run phase) = {pool.rps_run / steady.rps_run:.0%} "
                         f"of steady state, target >= {QUEST_POOL_SHARE:.0%}"))
        out.append(check(pool.failures == 0 and pool.rps_run >= target,
                         f"{language}: sandboxed {pool.rps_run:.0f} runs/s (run phase) with 2 workers (Pool), target >= {target:g}"))
    return lines + ["", "Targets (QueST-shaped):", *out]


def output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    bwrap = shutil.which("bwrap")
    return [
        f"- cores: {len(os.sched_getaffinity(0))} usable of {os.cpu_count()} ({model})",
        f"- python: {platform.python_version()} ({PYTHON}); g++ {output(['g++', '-dumpfullversion'])}; "
        f"kernel {platform.release()}",
        f"- bwrap: {output([bwrap, '--version']) if bwrap else 'not installed'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tests", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=("python", "cpp"))
    parser.add_argument("--python-flags", default="-I -S", help="interpreter flags of the Python peers")
    parser.add_argument("--workload", choices=("all", "single", "quest", "languages"), default="all")
    parser.add_argument("--calls", type=int, default=20, help="calls of the QueST-shaped workload")
    args = parser.parse_args()
    languages = [args.only] if args.only else ["python", "cpp"]
    if args.workload in ("all", "languages"):
        rows = language_rows(make_tests(args.tests), args.repeat)
        print(f"Per language: 1 solution x {args.tests} tests, 2 workers, {args.repeat} repeats, medians\n")
        print("\n".join(language_report(rows)))
        print()
        if args.workload == "languages":
            return
    if args.workload in ("all", "quest"):
        quest = [row for language in languages for row in quest_rows(language, args.calls, args.repeat)]
        print(f"QueST-shaped: {args.calls} calls of {QUEST_SOLUTIONS} solutions x {QUEST_TESTS} tests, 2 workers, "
              f"{args.repeat} repeats, medians\n")
        print("\n".join(quest_report(quest)))
        print()
        if args.workload == "quest":
            print("Machine:")
            print("\n".join(machine()))
            return
    tests = make_tests(args.tests)
    flags = args.python_flags.split()
    rows = [row for language in languages for row in bench_language(language, tests, args.repeat, flags)]
    print(f"{args.tests} tests x {args.repeat} repeats, medians; Python peers: {PYTHON} {' '.join(flags)}\n")
    print(table(rows, languages))
    print("\nEffective cost per run implied by the throughput (workers / runs/s, run phase), and the CPU")
    print("other processes used meanwhile (noise; ~0 on a quiet machine, but bwrap's namespace teardown")
    print("runs in kernel workers and lands here too):")
    for r in rows:
        print(f"- {r.contender}, {r.language}, workers={r.workers}: {r.workers * 1e3 / r.rps_run:.2f} ms"
              f" (other CPU {r.other_cpu:.1f} s in {r.wall:.1f} s)")
    print("\nTargets:")
    print("\n".join(targets(rows)))
    print("\nMachine:")
    print("\n".join(machine()))


if __name__ == "__main__":
    main()
