"""A few columns of a step's rows, from its checkpoint, for the signals a run computed but did not export
(a ScaleQuest run exports prompt/completion pairs, not the fail rates that selected them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pysynth.runtime.checkpoint import StepCheckpoint

if TYPE_CHECKING:
    import polars as pl


def checkpointed_columns(output: Path, step: str, fingerprint: str, columns: list[str]) -> pl.DataFrame | None:
    """The step's committed rows, only `columns` (those it has); None without a checkpoint or any of them."""
    import polars as pl

    from pysynth.runtime.run import CHECKPOINT_DIR  # here: the run imports this package when it ends

    checkpoint = StepCheckpoint(output / CHECKPOINT_DIR, step, fingerprint, create=False)  # a report writes none
    if not checkpoint.dir.is_dir():
        return None
    done = checkpoint.done_shards()
    shards = sorted(checkpoint.existing()) if done is None else done  # an interrupted step: what it committed
    frames = []
    for seq in shards:
        path = checkpoint.shard_path(seq)
        present = [name for name in columns if name in pl.read_parquet_schema(path)]
        if present:
            frames.append(pl.read_parquet(path, columns=present))
    return pl.concat(frames, how="diagonal_relaxed") if frames else None
