"""Benchmark start-up: three `pysynth` commands as whole processes, against floors measured in the same run.

Commands, each run as the user runs it (the `pysynth` console script beside this interpreter, or
`python -m pysynth.cli` when there is none), from process start to exit:
- `pysynth --help` (target <= 0.3 s). Floors: `python -c pass`, and a one-command click app's `--help`
  (what click costs before pysynth adds anything). Peer: the same app on typer, which the command line
  used before (typer builds parameters from annotations and imports pydantic to coerce them).
- `pysynth dedup CORPUS -o OUT.parquet` on bench_dedup.py's corpus (20,000 documents of ~1 KB, seed 0,
  written once to benchmarks/.data/; target <= 0.5 s end to end: read, dedup, write). Parquet to
  Parquet is read, deduplicated and written by the extension (rust/table), so the floor is a click
  app that loads the extension; `import polars` is what the table path through polars (JSONL) pays
  before it reads a row. The command's own figure (read to write, without start-up) is shown too.
- `pysynth validate pipelines/quest.yaml` (target <= 1.5 s). Floors: `python -c "import distilabel"`,
  and distilabel's `Pipeline` and step bases imported (and a `Pipeline` built) as validate does, with
  distilabel's run-only modules deferred (`pysynth.deferred_imports`). Peer: the same import without the deferral (datasets, pandas, every LLM
  client: what validate paid before), with the collector as the command line handles it
  (`pysynth.cli.startup`: paused while importing, then `gc.freeze()`).

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
CLICK_APP = """
import click
@click.group(help="x")
def app() -> None:
    pass
@app.command()
@click.argument("path")
@click.option("--count", type=int, default=1)
def only(path: str, count: int) -> None:
    "One command."
app()
"""
CLICK_NATIVE_APP = CLICK_APP.replace('"One command."', '"One command."\n    import pysynth._native')
TYPER_APP = """
import typer
app = typer.Typer(help="x", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
@app.command()
def only(path: str, count: int = 1) -> None:
    "One command."
app()
"""
# What compiling needs of distilabel: the pipeline and the step bases.
DISTILABEL_NEEDS = ("from distilabel.pipeline import Pipeline\n"
                    "    from distilabel.steps import GeneratorStep, GlobalStep, KeepColumns, Step\n"
                    "    from distilabel.steps.tasks import Task\n"
                    "    Pipeline(name='x')")
DISTILABEL_DEFERRED = ("import gc; gc.disable()\nfrom pysynth.deferred_imports import deferred_distilabel\n"
                       f"with deferred_distilabel():\n    {DISTILABEL_NEEDS}\ngc.freeze()")
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
        Case("click app --help", [py, "-c", CLICK_APP, "--help"], floor_of="pysynth --help"),
        Case("peer: typer app --help", [py, "-c", TYPER_APP, "--help"], floor_of="pysynth --help"),
        Case("pysynth dedup (20k docs)", [*pysynth, "dedup", str(corpus), "-o", str(output)], target_s=0.5),
        Case("click app ARG + import pysynth._native", [py, "-c", CLICK_NATIVE_APP, "only", "x"],
             floor_of="pysynth dedup (20k docs)"),
        Case("peer: import polars", [py, "-c", "import polars"], floor_of="pysynth dedup (20k docs)"),
        Case("pysynth validate quest.yaml", [*pysynth, "validate", str(QUEST)], target_s=1.5),
        Case("import distilabel", [py, "-W", "ignore", "-c", "import distilabel"],
             floor_of="pysynth validate quest.yaml"),
        Case("distilabel's Pipeline and step bases, deferred", [py, "-W", "ignore", "-c", DISTILABEL_DEFERRED],
             floor_of="pysynth validate quest.yaml"),
        Case("peer: import distilabel.pipeline, gc frozen", [py, "-W", "ignore", "-c", DISTILABEL_FROZEN],
             floor_of="pysynth validate quest.yaml"),
    ]


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}" if values else "-"


def print_table(all_cases: list[Case]) -> None:
    print("| process | median s | min s | median CPU s | target | in-command s |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in all_cases:
        kind = "" if case.label.startswith("peer: ") else "floor: "
        label = f"  {kind}{case.label}" if case.floor_of else f"**{case.label}**"
        target = f"<= {case.target_s}" if case.target_s is not None else ""
        print(f"| {label} | {seconds(case.walls)} | {min(case.walls):.3f} | {seconds(case.cpus)} | {target} "
              f"| {seconds(case.in_command)} |")


def print_summary(all_cases: list[Case]) -> None:
    print("\nTargets (median wall s of the whole process; against a floor or peer = median - its median):")
    for case in all_cases:
        if case.target_s is None:
            continue
        median = statistics.median(case.walls)
        floors = ", ".join(f"{floor.label} {median - statistics.median(floor.walls):+.3f}"
                           for floor in all_cases if floor.floor_of == case.label)
        verdict = "PASS" if median <= case.target_s else "MISS"
        print(f"  [{verdict}] {case.label} <= {case.target_s} s: {median:.3f} s (against the floors and peers: {floors})")


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
