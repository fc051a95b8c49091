"""`pysynth merge`: the N shard runs of one pipeline combined into one dataset and one manifest.

Every shard must be a completed run of the same pipeline file (same spec hash) with the same N,
and each index 0..N-1 present once. The rows come from the shards' checkpoints, batch by batch:
a shard's batch k holds its share of the source's batch k, so batch k of every shard, sorted by
row id (in natural order: `src:2` before `src:10`), is batch k of one unsharded run of a row-by-row
pipeline, and the merged exports (and failed/dropped rows) equal that run's, in its order. One
batch is in memory at a time. Counts, tokens and requests are summed; wall time is the longest shard's.
Global steps are not rerun: they ran per shard (see `pysynth.runtime.shards`); a dedup or a rejection
over all rows is a follow-up pipeline whose source reads the merged file. The manifest is written
last, so a crash mid-merge leaves no `run.json` claiming a merged dataset.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from pysynth.dag import StepKind
from pysynth.errors import ConfigError, InputError
from pysynth.runtime.checkpoint import StepCheckpoint
from pysynth.runtime.exports import common_schema, write_frames
from pysynth.runtime.frames import ROW_ID
from pysynth.runtime.manifest import (
    MANIFEST_NAME,
    RunManifest,
    RunStatus,
    StepReport,
    TokenCounts,
    package_versions,
    read_manifest,
    write_manifest,
)
from pysynth.runtime.run import CHECKPOINT_DIR, remove_earlier_outputs, report_or_warn
from pysynth.runtime.shards import parse_shard
from pysynth.runtime.state import StepStatus


def merge_runs(shard_dirs: Sequence[Path], output: Path, *, overwrite: bool = False, report: bool = True) -> RunManifest:
    """Writes the merged exports and `run.json` (and the report) into `output`; `InputError` naming the
    shard otherwise."""
    shards = _check_shards(shard_dirs)
    checkpoints = [_checkpoints(directory, manifest) for directory, manifest in shards]
    _prepare_output(output, shard_dirs, overwrite=overwrite)
    manifests = [manifest for _, manifest in shards]
    started = time.time()
    first = manifests[0]
    outputs: dict[str, str] = {}
    for step, path in first.outputs.items():
        target = output / Path(path).name
        _merge_batches([per_shard[step] for per_shard in checkpoints], "shards", target)
        outputs[step] = str(target)
    steps = {name: _merge_step(name, [manifest.steps[name] for manifest in manifests],
                               [per_shard[name] for per_shard in checkpoints], output)
             for name in first.steps}
    merged = RunManifest(
        pipeline=first.pipeline, spec_file=first.spec_file, spec_hash=first.spec_hash, status=RunStatus.COMPLETED,
        error=None, started_at=min(manifest.started_at for manifest in manifests),
        seconds=round(max(manifest.seconds for manifest in manifests) + time.time() - started, 3),
        versions=package_versions(), outputs=outputs, steps=steps,
        merged_from=[str(directory.resolve()) for directory, _ in shards],
    )
    write_manifest(output, merged)
    if report:
        report_or_warn(output)
    return merged


def global_steps(manifest: RunManifest) -> list[str]:
    """Steps that saw only their shard's rows in each shard run (what the merge does not redo)."""
    return [name for name, step in manifest.steps.items() if step.kind is StepKind.GLOBAL]


def _check_shards(shard_dirs: Sequence[Path]) -> list[tuple[Path, RunManifest]]:
    """The shards' (directory, manifest) in shard order; an `InputError` naming the directory otherwise."""
    if not shard_dirs:
        raise InputError("merge: name the shard runs' output directories")
    read = [(directory, _read_shard(directory)) for directory in shard_dirs]
    counts = sorted({parse_shard(manifest.shard or "").count for _, manifest in read})
    if len(counts) > 1:
        raise InputError(f"merge: the shards split the rows differently (N = {', '.join(map(str, counts))})")
    by_index: dict[int, tuple[Path, RunManifest]] = {}
    first_directory, first = read[0]
    for directory, manifest in read:
        if manifest.spec_hash != first.spec_hash:
            raise InputError(f"{directory}: ran another pipeline or configuration than {first_directory} "
                             f"(spec hash {manifest.spec_hash[:12]} vs {first.spec_hash[:12]})")
        index = parse_shard(manifest.shard or "").index
        if index in by_index:
            raise InputError(f"{directory}: shard {manifest.shard} is also {by_index[index][0]}")
        by_index[index] = (directory, manifest)
    count = counts[0]
    missing = [index for index in range(count) if index not in by_index]
    if missing:
        raise InputError(f"merge: shards {', '.join(f'{index}/{count}' for index in missing)} are missing")
    return [by_index[index] for index in range(count)]


def _read_shard(directory: Path) -> RunManifest:
    try:
        manifest = read_manifest(directory)
    except OSError:
        raise InputError(f"{directory}: no {MANIFEST_NAME}: not the output of a finished run") from None
    except ValueError as exc:
        raise InputError(f"{directory / MANIFEST_NAME}: not a pysynth run manifest: "
                         f"{str(exc).splitlines()[0]}") from None
    if manifest.status is not RunStatus.COMPLETED:
        raise InputError(f"{directory}: the run is {manifest.status}, not completed: resume it first")
    if manifest.shard is None:
        raise InputError(f"{directory}: not a shard run (run it with --shard I/N)")
    try:
        parse_shard(manifest.shard)
    except ConfigError:
        raise InputError(f"{directory / MANIFEST_NAME}: shard: {manifest.shard!r} is not I/N") from None
    return manifest


def _prepare_output(output: Path, shard_dirs: Sequence[Path], *, overwrite: bool) -> None:
    resolved = output.resolve()
    if any(resolved == directory.resolve() for directory in shard_dirs):
        raise InputError(f"{output}: the merged output must not be one of the shard runs")
    if (output / MANIFEST_NAME).exists():
        if not overwrite:
            raise InputError(f"{output} holds a run already: pass --overwrite to replace it")
        remove_earlier_outputs(output)
    output.mkdir(parents=True, exist_ok=True)


def _merge_step(name: str, reports: list[StepReport], checkpoints: list[StepCheckpoint], output: Path) -> StepReport:
    first = reports[0]
    requests = sum(report.requests for report in reports)
    latency = sum((report.mean_latency_seconds or 0.0) * report.requests for report in reports)
    dropped: dict[str, int] = {}
    for report in reports:
        for reason, count in report.dropped_by_reason.items():
            dropped[reason] = dropped.get(reason, 0) + count
    files: dict[str, str | None] = {}
    for kind in ("failed", "dropped"):
        files[kind] = None
        if any(getattr(report, f"{kind}_rows_file") is not None for report in reports):
            (output / kind).mkdir(exist_ok=True)
            target = output / kind / f"{name}.parquet"
            _merge_batches(checkpoints, kind, target)
            files[kind] = str(target)
    return first.model_copy(update={
        "status": StepStatus.DONE,
        "rows_in": sum(report.rows_in for report in reports),
        "rows_out": sum(report.rows_out for report in reports),
        "failed": sum(report.failed for report in reports),
        "dropped": sum(dropped.values()),
        "dropped_by_reason": dict(sorted(dropped.items(), key=lambda item: -item[1])),
        "tokens": TokenCounts(input=sum(report.tokens.input for report in reports),
                              output=sum(report.tokens.output for report in reports)),
        "requests": requests,
        "cache_hits": sum(report.cache_hits for report in reports),
        "mean_latency_seconds": round(latency / requests, 3) if requests else None,
        "batches": sum(report.batches for report in reports),
        "busy_seconds": round(sum(report.busy_seconds for report in reports), 3),
        "wall_seconds": max(report.wall_seconds for report in reports),
        "failed_rows_file": files["failed"],
        "dropped_rows_file": files["dropped"],
        "report": _merged_findings([report.report for report in reports]),
    })


def _merged_findings(findings: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """A `Reports` step's findings: one value when the shards agree, else each shard's (by index)."""
    if all(finding == findings[0] for finding in findings):
        return findings[0]
    return {"per_shard": findings}


def _checkpoints(directory: Path, manifest: RunManifest) -> dict[str, StepCheckpoint]:
    """Each step's finished checkpoint in a shard run: what the merge reads its rows from."""
    found: dict[str, StepCheckpoint] = {}
    for name, step in manifest.steps.items():
        checkpoint = StepCheckpoint(directory / CHECKPOINT_DIR, name, step.fingerprint, create=False)
        if checkpoint.done_shards() is None:
            raise InputError(f"{checkpoint.dir}: missing: merge reads the rows from the shard's checkpoints, "
                             f"keep {CHECKPOINT_DIR} until the shards are merged")
        found[name] = checkpoint
    return found


def _merge_batches(checkpoints: list[StepCheckpoint], kind: str, target: Path) -> None:
    """Batch k of every shard, sorted by row id, then batch k + 1, ... (`kind`: shards, failed, dropped)."""
    by_batch: dict[int, list[Path]] = {}
    for checkpoint in checkpoints:
        for seq in checkpoint.done_shards() or []:
            for path in [checkpoint.shard_path(seq)] if kind == "shards" else checkpoint.files(kind, [seq]):
                if path.exists():
                    by_batch.setdefault(seq, []).append(path)
    paths = [path for seq in sorted(by_batch) for path in by_batch[seq]]

    def batches() -> Iterator[pl.DataFrame]:
        for seq in sorted(by_batch):
            frame = pl.concat([pl.read_parquet(path) for path in by_batch[seq]], how="diagonal_relaxed")
            yield frame.sort(_natural_key(pl.col(ROW_ID)), maintain_order=True) if ROW_ID in frame.columns else frame

    write_frames(batches(), common_schema(paths), target, "jsonl" if target.suffix == ".jsonl" else "parquet")


def _natural_key(ids: pl.Expr) -> pl.Expr:
    """Digit runs zero-padded, so text order is numeric order: `a:2.10` sorts after `a:2.9`."""
    padded = ids.str.extract_all(r"\d+|\D+").list.eval(
        pl.when(pl.element().str.contains(r"^\d")).then(pl.element().str.zfill(20)).otherwise(pl.element()))
    return padded.list.join("")
