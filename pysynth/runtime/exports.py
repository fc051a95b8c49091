"""Final outputs: each exported step's shards concatenated (streaming) into one file, plus failures."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from pysynth.runtime.checkpoint import StepCheckpoint


def concat_shards(paths: list[Path], target: Path, file_format: str) -> None:
    """Writes `target` atomically. Shards may differ in columns (diagonal concat)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    if not paths:
        frame = pl.DataFrame()
        frame.write_parquet(temporary) if file_format == "parquet" else temporary.write_text("")
        os.replace(temporary, target)
        return
    lazy = pl.concat([pl.scan_parquet(path) for path in paths], how="diagonal_relaxed")
    if file_format == "parquet":
        lazy.sink_parquet(temporary)
    else:
        lazy.sink_ndjson(temporary)
    os.replace(temporary, target)


def export_step(checkpoint: StepCheckpoint, shards: list[int], output: Path, name: str, file_format: str) -> Path:
    suffix = "parquet" if file_format == "parquet" else "jsonl"
    target = output / f"{name}.{suffix}"
    concat_shards([checkpoint.shard_path(seq) for seq in shards], target, file_format)
    return target


def export_side_files(checkpoint: StepCheckpoint, shards: list[int], output: Path, name: str) -> dict[str, str]:
    """`failed/<step>.parquet` and `dropped/<step>.parquet` where the step has any such rows."""
    written: dict[str, str] = {}
    for kind in ("failed", "dropped"):
        paths = checkpoint.files(kind, shards)
        target = output / kind / f"{name}.parquet"
        if paths:
            target.parent.mkdir(exist_ok=True)
            concat_shards(paths, target, "parquet")
            written[kind] = str(target)
        elif target.exists():
            target.unlink()
    return written
