"""`pysynth run`: prepare the output directory, execute, export, and always leave a manifest."""

from __future__ import annotations

import asyncio
import fcntl
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pysynth.dag import CompiledPipeline
from pysynth.dag.user_modules import importable_from
from pysynth.errors import PipelineRunError, PysynthError, RunInterrupted
from pysynth.llm.local import LocalServerPlan
from pysynth.runtime.executor import Executor
from pysynth.runtime.exports import export_side_files, export_step
from pysynth.runtime.manifest import (
    MANIFEST_NAME,
    REPORT_DIR,
    RunManifest,
    RunStatus,
    build_manifest,
    read_manifest,
    write_manifest,
)
from pysynth.runtime.progress import show_progress
from pysynth.runtime.shards import Shard, bind_shard
from pysynth.steps.contract import KnowsItsRowCount, WritesArtifacts

CHECKPOINT_DIR = ".pysynth"


@dataclass(frozen=True)
class PipelineResult:
    output_dir: Path
    manifest_path: Path
    outputs: dict[str, Path]
    manifest: RunManifest
    report_dir: Path | None = None  # None: not asked for, or it could not be written (a warning said why)


def run_pipeline(compiled: CompiledPipeline, output: Path, *, resume: bool = False, overwrite: bool = False,
                 quiet: bool = True, use_cache: bool = True, shard: Shard | None = None,
                 report: bool = True) -> PipelineResult:
    """Runs to completion or raises `PipelineRunError` (`RunInterrupted` on SIGINT/SIGTERM); an exception
    that is not a `PysynthError` (a bug) propagates as it was raised. Either way `<output>/run.json`
    says what happened.

    The pipeline's folder is on `sys.path` while the run lasts, for its user modules (and the worker
    processes it spawns). `use_cache=False` sends every LLM request even when the request cache holds
    its answer. `shard` keeps that share of the source rows (`pysynth.runtime.shards`). `report` writes
    `<output>/report/` after the manifest, for a failed run too (`pysynth.report`)."""
    root = _prepare(output, resume=resume, overwrite=overwrite)
    with open(root / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineRunError(f"{output}: another pysynth run is using this directory") from None
        bind_shard(root, shard, resuming=resume)
        with importable_from(compiled.loaded.path.parent):
            return _run_locked(compiled, output, root, quiet=quiet, use_cache=use_cache, shard=shard,
                               report=report)


def _prepare(output: Path, *, resume: bool, overwrite: bool) -> Path:
    root = output / CHECKPOINT_DIR
    if root.exists() and not resume:
        if not overwrite:
            raise PipelineRunError(f"{output} holds an earlier run: pass --resume to continue it "
                                   "or --overwrite to start over")
        remove_earlier_outputs(output)
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    return root


def remove_earlier_outputs(output: Path) -> None:
    """What the earlier run exported, so no stale file outlives an --overwrite."""
    try:
        manifest = read_manifest(output)
    except (OSError, ValueError):  # none, or not one this version wrote: nothing known to remove
        return
    paths = list(manifest.outputs.values())
    for step in manifest.steps.values():
        paths += [path for path in (step.failed_rows_file, step.dropped_rows_file) if path is not None]
    for path in paths:
        Path(path).unlink(missing_ok=True)
    shutil.rmtree(output / REPORT_DIR, ignore_errors=True)
    (output / MANIFEST_NAME).unlink(missing_ok=True)


def _run_locked(compiled: CompiledPipeline, output: Path, root: Path, *, quiet: bool, use_cache: bool,
                shard: Shard | None, report: bool) -> PipelineResult:
    executor = Executor(compiled, root, use_cache=use_cache, shard=shard)
    for node in compiled.nodes.values():  # steps that write artifacts (a concept graph) next to the outputs
        if isinstance(node.step, WritesArtifacts):
            node.step.bind_output_dir(output.resolve())
    for name, node in compiled.nodes.items():
        if isinstance(node.step, KnowsItsRowCount):
            expected = node.step.expected_rows()  # a shard keeps about 1/N of them
            executor.states[name].expected_rows = (expected if shard is None or expected is None
                                                    else -(-expected // shard.count))
    started, status, error, cause = time.time(), RunStatus.COMPLETED, None, None
    launchers = []
    try:
        launchers = _launch_servers(compiled, root)
        asyncio.run(_main(executor, f"pipeline {compiled.loaded.spec.name}", quiet))
    except (KeyboardInterrupt, asyncio.CancelledError):
        status, error = RunStatus.INTERRUPTED, "interrupted (SIGINT/SIGTERM)"
    except BaseException as exc:  # noqa: BLE001 - reported in the manifest, then raised again
        status, cause = RunStatus.FAILED, _first_cause(exc)
        error = str(cause) if isinstance(cause, PysynthError) else f"{type(cause).__name__}: {cause}"
    finally:
        for launcher in launchers:
            launcher.stop()
    outputs: dict[str, str] = {}
    side_files: dict[str, dict[str, str]] = {}
    if status is RunStatus.COMPLETED:
        for name in compiled.nodes:
            shards = executor.checkpoints[name].done_shards() or []
            side_files[name] = export_side_files(executor.checkpoints[name], shards, output, name)
            if name in compiled.exports:
                outputs[name] = str(export_step(executor.checkpoints[name], shards, output, name,
                                                compiled.loaded.spec.export.format))
    manifest = build_manifest(compiled, executor.states, status=status, started=started, outputs=outputs,
                              side_files=side_files, error=error, shard=shard)
    manifest_path = write_manifest(output, manifest)
    report_dir = report_or_warn(output) if report else None
    if isinstance(cause, Exception) and not isinstance(cause, PysynthError):
        raise cause  # a bug: its own type and traceback tell more than a run error would
    if status is not RunStatus.COMPLETED:
        stopped = RunInterrupted if status is RunStatus.INTERRUPTED else PipelineRunError
        raise stopped(f"run {status}: {error}; finished batches are checkpointed in {root}, "
                      "rerun with --resume to continue")
    return PipelineResult(output, manifest_path, {name: Path(path) for name, path in outputs.items()}, manifest,
                          report_dir)


def report_or_warn(output: Path) -> Path | None:
    """The run's report; a report that fails is a warning, never a failed run: the data is written."""
    from pysynth.report import write_report

    try:
        return write_report(output)
    except Exception as error:  # noqa: BLE001 - whatever broke the report, the run's outputs stand
        print(f"warning: the report of {output} was not written ({type(error).__name__}: {error}); "
              f"`pysynth report {output}` tries again", file=sys.stderr)
        return None


def _launch_servers(compiled: CompiledPipeline, root: Path) -> list[Any]:
    """Starts each distinct server the steps need (SGLang `launch`, `backend: local`), waits for health.

    Their output goes to `<output>/.pysynth/servers.log`, not the terminal: a server logs every
    request. A server that fails to start raises with its last lines. A local server's port is
    picked as it starts, so its steps' clients learn their URL here.
    """
    from pysynth.llm.launcher import Launcher

    plans: dict[Any, float] = {}
    for node in compiled.nodes.values():
        if node.server is not None and node.llm is not None:
            settings = node.llm.launch or node.llm.local
            assert settings is not None
            plans[node.server] = settings.startup_timeout_s
    launchers: list[Any] = []
    if not plans:
        return launchers
    log = open(root / "servers.log", "a", buffering=1)  # noqa: SIM115 - the forwarding threads outlive this call
    try:
        for plan, startup_timeout_s in plans.items():
            launcher = Launcher(plan, log=log)
            launchers.append(launcher)
            urls = launcher.start(startup_timeout_s)
            if isinstance(plan, LocalServerPlan):
                for node in compiled.nodes.values():
                    if node.server == plan:
                        node.step.llm.base_url = urls[0]
    except BaseException:
        for launcher in launchers:
            launcher.stop()
        raise
    return launchers


async def _main(executor: Executor, title: str, quiet: bool) -> None:
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    async with show_progress(executor.states, title, quiet=quiet):
        await executor.run()


def _first_cause(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc
