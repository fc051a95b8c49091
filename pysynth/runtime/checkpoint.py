"""Durable step outputs: one atomically written Parquet shard per (step, batch), plus a DONE marker.

Layout under `<output>/.pysynth/steps/<step>/<fingerprint>/`:
    shards/<seq>.parquet    the batch's output rows (the commit point: written last, renamed into place)
    dropped/<seq>.parquet   rows dropped on purpose, with `drop_reason`
    failed/<seq>.parquet    rows whose processing raised, with `error`
    stats/<seq>.json        counts, token usage and time of the batch
    DONE.json               the step finished: its output sequence numbers, in order
The fingerprint directory changes whenever the step or an ancestor changes, so a stale checkpoint is
never read; an interrupted batch left only files that the next attempt overwrites.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pysynth.runtime.frames import ROW_ID
from pysynth.tables import write_atomically, write_text_atomically


@dataclass
class BatchStats:
    rows_in: int = 0
    rows_out: int = 0
    source_rows: int = 0  # a source's rows before a shard kept its share (what a resume skips)
    failed: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    cache_hits: int = 0  # rows answered from the request cache, without a request
    seconds: float = 0.0
    latency_seconds: float = 0.0  # summed over the step's successful LLM requests (retries included)
    report: dict[str, Any] | None = None  # what a `Reports` step found about all its rows (JSON values)

    def add(self, other: BatchStats) -> None:
        for name in ("rows_in", "rows_out", "source_rows", "failed", "input_tokens", "output_tokens", "requests",
                     "cache_hits", "seconds", "latency_seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.dropped.items():
            self.dropped[reason] = self.dropped.get(reason, 0) + count
        if other.report is not None:
            self.report = other.report


@dataclass(frozen=True)
class ShardWrite:
    rows: pl.DataFrame
    dropped: pl.DataFrame | None
    failed: pl.DataFrame | None
    stats: BatchStats


class StepCheckpoint:
    def __init__(self, root: Path, step: str, fingerprint: str, *, create: bool = True) -> None:
        """`create=False` only reads what is there (`pysynth merge` reading a finished shard run)."""
        self.step_dir = root / "steps" / step
        self.dir = self.step_dir / fingerprint
        for sub in ("shards", "dropped", "failed", "stats") if create else ():
            (self.dir / sub).mkdir(parents=True, exist_ok=True)

    def shard_path(self, seq: int) -> Path:
        return self.dir / "shards" / f"{seq:09d}.parquet"

    def has(self, seq: int) -> bool:
        return self.shard_path(seq).exists()

    def done_shards(self) -> list[int] | None:
        marker = self.dir / "DONE.json"
        return list(json.loads(marker.read_text())["shards"]) if marker.exists() else None

    def existing(self) -> set[int]:
        return {int(path.stem) for path in (self.dir / "shards").glob("*.parquet")}

    def write(self, seq: int, shard: ShardWrite) -> None:
        name = f"{seq:09d}"
        if shard.dropped is not None and shard.dropped.height:
            _atomic_parquet(shard.dropped, self.dir / "dropped" / f"{name}.parquet")
        if shard.failed is not None and shard.failed.height:
            _atomic_parquet(shard.failed, self.dir / "failed" / f"{name}.parquet")
        _atomic_text(json.dumps(asdict(shard.stats)), self.dir / "stats" / f"{name}.json")
        _atomic_parquet(shard.rows, self.shard_path(seq))

    def read(self, seq: int) -> pl.DataFrame:
        return pl.read_parquet(self.shard_path(seq))

    def stats(self, seq: int) -> BatchStats:
        path = self.dir / "stats" / f"{seq:09d}.json"
        return BatchStats(**json.loads(path.read_text())) if path.exists() else BatchStats()

    def mark_done(self, shards: list[int]) -> None:
        _atomic_text(json.dumps({"shards": shards}), self.dir / "DONE.json")

    def files(self, kind: str, shards: list[int]) -> list[Path]:
        paths = [self.dir / kind / f"{seq:09d}.parquet" for seq in shards]
        return [path for path in paths if path.exists()]

    def remove_stale(self) -> None:
        """Checkpoints of earlier configurations of this step can never be read again."""
        for other in self.step_dir.iterdir():
            if other != self.dir and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


def _atomic_parquet(frame: pl.DataFrame, path: Path) -> None:
    write_atomically(path, lambda temporary: frame.write_parquet(temporary, compression="zstd", statistics=False),
                     durable=True)


def _atomic_text(text: str, path: Path) -> None:
    write_text_atomically(path, text, durable=True)
