"""Benchmark start-up: three `pysynth` commands as whole processes, against floors measured in the same run.

Commands, each run as the user runs it (the `pysynth` console script beside this interpreter, or
`python -m pysynth.cli` when there is none), from process start to exit:
- `pysynth --help` (target <= 0.3 s). Floors: `python -c pass`, and a one-command typer app's `--help`
  (what typer and rich cost before pysynth adds anything).
- `pysynth dedup CORPUS -o OUT.parquet` on bench_dedup.py's corpus (20,000 documents of ~1 KB, seed 0,
  written once to benchmarks/.data/; target <= 0.5 s end to end: read, dedup, write). Floors: `python -c
  "import polars"`, and the typer app run with an argument, importing polars in its command: typer
  coerces arguments with pydantic, so any command with options pays for it. The command's own figure
  (read to write, without start-up) is shown too.
- `pysynth validate pipelines/quest.yaml` (target <= 1.5 s). Floors: `python -c "import distilabel"`, and
  `import distilabel.pipeline`, which validate needs: the compile builds the real distilabel steps and
  `Pipeline` (building any distilabel step imports `distilabel.pipeline.base`), and distilabel's step and
  pipeline packages import datasets, pandas, every LLM client and networkx. Once more with the garbage
  collector handled as the command line does (`pysynth.cli.startup`: paused while importing, then
  `gc.freeze()`), which saves ~1 s of collections while importing and at exit.

The runs are interleaved (round r runs every process once), so load from other processes falls on all
of them alike; one warm-up round (byte-code caches, page cache) is not counted. Prints the median and
the fastest of `--repeat` runs, wall and CPU (user + sys of the child) seconds, and the CPU time other
processes used meanwhile: timings taken on a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_dedup import corpus_path, machine_busy_s

ROOT = Path(__file__).resolve().parents[1]
QUEST = ROOT / "pipelines" / "quest.yaml"
TYPER_APP = """
import typer
app = typer.Typer(help="x", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
@app.command()
def only(path: str, count: int = 1) -> None:
    "One command."
app()
"""
TYPER_POLARS_APP = TYPER_APP.replace('"One command."', '"One command."\n    import polars')
DISTILABEL_FROZEN = "import gc; gc.disable(); import distilabel.pipeline; gc.freeze()"
IN_COMMAND = re.compile(r", ([0-9.]+) s\) -> ")  # `pysynth dedup`'s own "(..., 1.23 s) -> OUT"


@dataclass
class Case:
    label: str
    argv: list[str]
    target_s: float | None = None
    floor_of: str | None = None  # the command this process is a floor of
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    in_command: list[float] = field(default_factory=list)

    def run(self, keep: bool) -> None:
        cpu_before, started = children_cpu_s(), time.perf_counter()
        child = subprocess.run(self.argv, capture_output=True, cwd=ROOT, text=True)
        wall, cpu = time.perf_counter() - started, children_cpu_s() - cpu_before
        if child.returncode != 0:
            raise SystemExit(f"{self.label} failed ({child.returncode}):\n{child.stderr}")
        if keep:
            self.walls.append(wall)
            self.cpus.append(cpu)
            if found := IN_COMMAND.search(child.stdout):
                self.in_command.append(float(found.group(1)))


def children_cpu_s() -> float:
    """User + sys seconds of the reaped children so far (one child at a time runs here)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pysynth_command() -> list[str]:
    script = Path(sys.executable).with_name("pysynth")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pysynth.cli"]


def cases(corpus: Path, output: Path) -> list[Case]:
    py, pysynth = sys.executable, pysynth_command()
    return [
        Case("pysynth --help", [*pysynth, "--help"], target_s=0.3),
        Case("python -c pass", [py, "-c", "pass"], floor_of="pysynth --help"),
        Case("typer app --help", [py, "-c", TYPER_APP, "--help"], floor_of="pysynth --help"),
        Case("pysynth dedup (20k docs)", [*pysynth, "dedup", str(corpus), "-o", str(output)], target_s=0.5),
        Case("import polars", [py, "-c", "import polars"], floor_of="pysynth dedup (20k docs)"),
        Case("typer app ARG + import polars", [py, "-c", TYPER_POLARS_APP, "x"], floor_of="pysynth dedup (20k docs)"),
        Case("pysynth validate quest.yaml", [*pysynth, "validate", str(QUEST)], target_s=1.5),
        Case("import distilabel", [py, "-W", "ignore", "-c", "import distilabel"],
             floor_of="pysynth validate quest.yaml"),
        Case("import distilabel.pipeline", [py, "-W", "ignore", "-c", "import distilabel.pipeline"],
             floor_of="pysynth validate quest.yaml"),
        Case("import distilabel.pipeline, gc frozen", [py, "-W", "ignore", "-c", DISTILABEL_FROZEN],
             floor_of="pysynth validate quest.yaml"),
    ]


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}" if values else "-"


def print_table(all_cases: list[Case]) -> None:
    print("| process | median s | min s | median CPU s | target | in-command s |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in all_cases:
        label = f"  floor: {case.label}" if case.floor_of else f"**{case.label}**"
        target = f"<= {case.target_s}" if case.target_s is not None else ""
        print(f"| {label} | {seconds(case.walls)} | {min(case.walls):.3f} | {seconds(case.cpus)} | {target} "
              f"| {seconds(case.in_command)} |")


def print_summary(all_cases: list[Case]) -> None:
    print("\nTargets (median wall s of the whole process; over the floor = median - the floor's median):")
    for case in all_cases:
        if case.target_s is None:
            continue
        median = statistics.median(case.walls)
        floors = ", ".join(f"{floor.label} +{median - statistics.median(floor.walls):.3f}"
                           for floor in all_cases if floor.floor_of == case.label)
        verdict = "PASS" if median <= case.target_s else "MISS"
        print(f"  [{verdict}] {case.label} <= {case.target_s} s: {median:.3f} s (over the floor: {floors})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="Counted runs of each process (median).")
    args = parser.parse_args()
    corpus = corpus_path(20000, 0)
    scratch = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        all_cases = cases(corpus, scratch / "kept.parquet")
        busy, own, wall = machine_busy_s(), sum(os.times()[:4]), time.perf_counter()
        for round_number in range(args.repeat + 1):
            for case in all_cases:
                case.run(keep=round_number > 0)
        other_cpu = max(0.0, machine_busy_s() - busy - (sum(os.times()[:4]) - own))
        print(f"cores: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); python {sys.version.split()[0]}; "
              f"{args.repeat} interleaved runs of each process (+1 warm-up); corpus {corpus}")
        print(f"CPU used by other processes meanwhile: {other_cpu:.1f} s in {time.perf_counter() - wall:.1f} s "
              "(~0 on a quiet machine)")
        if sys.flags.dont_write_bytecode and not (ROOT / "pysynth" / "__pycache__").is_dir():
            # An installed wheel has its .pyc files; without them each process compiles pysynth's own
            # sources again (~0.15 s of `validate`, ~0.02 s of `--help`).
            print("note: PYTHONDONTWRITEBYTECODE is set and pysynth has no __pycache__: every process here "
                  "compiles pysynth's modules")
        print()
        print_table(all_cases)
        print_summary(all_cases)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
