"""A command imports only what it uses: which modules `import pysynth` and each command load; and
the collector skips what a command's start-up built (`pysynth.cli.startup`).

The mechanism, not the time (benchmarks/bench_startup.py times it): each check runs the command in
a fresh interpreter, as `python -m pysynth.cli` does, and reads `sys.modules` (or the collector's
state) when it is done.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "pipelines" / "data" / "dedup_demo.jsonl"
QUEST = ROOT / "pipelines" / "quest.yaml"

# Runs `pysynth ARGS...` (sys.argv[1:]) like `python -m pysynth.cli`, then prints the loaded modules.
COMMAND = """
import json, runpy, sys
sys.argv = ["pysynth", *sys.argv[1:]]
try:
    runpy.run_module("pysynth.cli", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    status = exit.code
else:
    status = 0
print("\\nMODULES " + json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""

# What the start-up targets rest on: none of these in a command that does not need it.
HEAVY = ("distilabel", "polars", "numpy", "torch", "datasets", "pandas", "pydantic", "aiohttp", "pysynth._native",
         "matplotlib", "huggingface_hub")


def loaded_by(*args: str | Path) -> set[str]:
    result = subprocess.run([sys.executable, "-c", COMMAND, *map(str, args)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    report = json.loads(result.stdout.rpartition("\nMODULES ")[2])
    assert report["status"] in (0, None), result.stdout + result.stderr
    return set(report["modules"])


def heavy_in(modules: set[str], names: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(name for name in names if name in modules)


def test_import_pysynth_loads_no_heavy_dependency() -> None:
    code = "import json, sys, pysynth; print(json.dumps(sorted(sys.modules)))"
    modules = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            check=True, timeout=60).stdout))
    assert heavy_in(modules) == [], "`import pysynth` must import its public API lazily (PEP 562)"


def test_public_api_still_resolves() -> None:
    import pysynth

    missing = [name for name in pysynth.__all__ if getattr(pysynth, name, None) is None]
    assert missing == [], f"names in pysynth.__all__ that do not resolve: {missing}"
    assert callable(pysynth.dedup), "pysynth.dedup is the function, not the module of the same name"


def test_help_loads_no_heavy_dependency() -> None:
    modules = loaded_by("--help")
    assert heavy_in(modules) == [], "`pysynth --help` builds every command: their options must not import these"


@pytest.mark.parametrize("group", ["train", "serve", "run", "judge-server", "report"])
def test_command_help_loads_no_heavy_dependency(group: str) -> None:
    assert heavy_in(loaded_by(group, "--help")) == []


def test_dedup_loads_only_the_table_stack(tmp_path: Path) -> None:
    modules = loaded_by("dedup", DEMO, "--output", tmp_path / "kept.jsonl")
    assert (tmp_path / "kept.jsonl").is_file()
    assert heavy_in(modules, ("distilabel", "datasets", "pandas", "torch", "aiohttp")) == [], \
        "`pysynth dedup` needs polars and the native extension, not the pipeline engine"


def test_dedup_of_parquet_into_parquet_loads_only_the_extension(tmp_path: Path) -> None:
    import polars as pl

    source = tmp_path / "demo.parquet"
    pl.read_ndjson(DEMO).write_parquet(source)
    modules = loaded_by("dedup", source, "--output", tmp_path / "kept.parquet")
    assert (tmp_path / "kept.parquet").is_file()
    assert "pysynth._native" in modules
    assert heavy_in(modules, tuple(name for name in HEAVY if name != "pysynth._native")) == [], \
        "Parquet to Parquet is read, deduplicated and written by the extension: no polars, no pydantic"


def test_validate_loads_neither_the_executor_nor_the_http_client() -> None:
    modules = loaded_by("validate", QUEST)
    assert "distilabel.pipeline" in modules  # compiling builds the real distilabel steps
    running_only = ("polars", "aiohttp", "torch", "pysynth.runtime.executor", "pysynth.quest.concept_graph",
                    "datasets", "pandas")  # distilabel's run-only modules are deferred (pysynth.deferred_imports)
    unexpected = heavy_in(modules, running_only)
    assert unexpected == [], "validating a pipeline imports what compiling needs, not what running needs"


# Runs `pysynth ARGS...` as the console script does (through `main`), then prints the collector's state.
COLLECTOR = """
import gc, json, sys
from pysynth.cli import main
sys.argv = ["pysynth", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
print("\\nGC " + json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def collector_after(*args: str | Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", COLLECTOR, *map(str, args)], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout.rpartition("\nGC ")[2]))


@pytest.mark.parametrize("command", ["validate", "dedup"])
def test_a_command_freezes_its_start_up_and_collects_again(command: str, tmp_path: Path) -> None:
    args = (QUEST,) if command == "validate" else (DEMO, "--output", tmp_path / "kept.jsonl")
    state = collector_after(command, *args)
    assert state["enabled"] is True, "the collector must run again once the command has started"
    assert isinstance(state["frozen"], int) and state["frozen"] > 10_000, \
        f"the start-up's objects should be frozen (gc.freeze), got {state['frozen']}"


def test_starting_changes_nothing_outside_pysynths_own_process() -> None:
    # A test's or a library user's process (CliRunner calls the app, not `main`) keeps its collector.
    from pysynth.cli import startup

    frozen = gc.get_freeze_count()
    with startup.starting():
        assert gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
