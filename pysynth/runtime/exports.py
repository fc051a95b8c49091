"""Final outputs: each exported step's shards concatenated (streaming) into one file, plus failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from pysynth.runtime.checkpoint import StepCheckpoint
from pysynth.tables import write_atomically

ROW_GROUP_ROWS = 20_000


def concat_shards(paths: list[Path], target: Path, file_format: str) -> None:
    """Writes `target` atomically, one shard in memory at a time (peak memory does not grow with the
    dataset). Shards may differ in columns and types: all are cast to their common schema first."""
    write_frames((pl.read_parquet(path) for path in paths), common_schema(paths), target, file_format)


def common_schema(paths: list[Path]) -> pl.Schema:
    """The schema every one of these Parquet files can be cast to, read from their footers alone.

    Columns come in the order of the first file with rows: a batch left empty (all its rows dropped)
    has only the row id column, which must not move that column first."""
    with_rows = sorted(paths, key=lambda path: pq.read_metadata(path).num_rows == 0)  # stable: order kept
    distinct = {tuple(pl.read_parquet_schema(path).items()): None for path in with_rows}  # shards mostly agree
    empties = [pl.DataFrame(schema=dict(columns)) for columns in distinct]
    return pl.concat(empties, how="diagonal_relaxed").schema if empties else pl.Schema()


def write_frames(frames: Iterator[pl.DataFrame], schema: pl.Schema, target: Path, file_format: str) -> None:
    """`frames` cast to `schema`, written atomically as Parquet (row groups of ~ROW_GROUP_ROWS) or JSONL."""
    def write_parquet(temporary: Path) -> None:
        with pq.ParquetWriter(temporary, pl.DataFrame(schema=schema).to_arrow().schema, compression="zstd") as writer:
            pending: list[pl.DataFrame] = []
            pending_rows = 0
            for frame in frames:
                pending.append(_conform(frame, schema))
                pending_rows += pending[-1].height
                # Row groups of ~ROW_GROUP_ROWS: one per shard would bloat the footer of a big export.
                if pending_rows >= ROW_GROUP_ROWS:
                    writer.write_table(pl.concat(pending).to_arrow())
                    pending, pending_rows = [], 0
            if pending:
                writer.write_table(pl.concat(pending).to_arrow())

    def write_jsonl(temporary: Path) -> None:
        with temporary.open("wb") as handle:
            for frame in frames:
                _conform(frame, schema).write_ndjson(handle)

    write_atomically(target, write_parquet if file_format == "parquet" else write_jsonl)


def _conform(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in schema.items()
    )


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
