"""Running a source (generator) step: numbered batches, stable row ids, resume from the done prefix.

In a sharded run the source still numbers every row it generates and keeps the shard's share
(`pysynth.runtime.shards`); a batch's stats count the rows generated (`source_rows`), so a resume
restarts the source after them, not after the rows kept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import polars as pl

from pysynth.dag import StepNode
from pysynth.runtime.checkpoint import BatchStats, ShardWrite, StepCheckpoint
from pysynth.runtime.frames import ROW_ID, rows_to_frame
from pysynth.runtime.shards import Shard
from pysynth.steps.contract import SourceWithDrops

Deliver = Callable[[int, pl.DataFrame | None, BatchStats], Awaitable[None]]


async def run_generator(node: StepNode, checkpoint: StepCheckpoint, deliver: Deliver,
                        shard: Shard | None = None) -> list[int]:
    """Emit the source's batches; batches already on disk are re-announced, not regenerated."""
    name = node.spec.name
    existing = checkpoint.existing()
    prefix = 0
    offset = 0
    while prefix in existing:  # the contiguous run of finished batches since the start
        stats = checkpoint.stats(prefix)
        await deliver(prefix, None, stats)
        offset += stats.source_rows or stats.rows_out  # checkpoints of older versions count rows_out only
        prefix += 1
    produced = list(range(prefix))
    batches: Iterator[tuple[list[dict[str, Any]], bool]] = node.step.process_applying_mappings(offset)
    seq, index, finished = prefix, offset, False
    while not finished:
        item = await asyncio.to_thread(next, batches, None)
        if item is None:
            break
        rows, finished = item
        if not rows and (finished and seq > 0):
            break
        for position, row in enumerate(rows):
            row[ROW_ID] = f"{name}:{index + position}"
        index += len(rows)
        stats = BatchStats(source_rows=len(rows))
        dropped = node.step.take_dropped() if isinstance(node.step, SourceWithDrops) else []
        if shard is not None:
            rows = [row for row in rows if shard.owns(row[ROW_ID])]
            dropped = dropped if shard.index == 0 else []
        stats.rows_out = len(rows)
        for record in dropped:
            stats.dropped[record["drop_reason"]] = stats.dropped.get(record["drop_reason"], 0) + 1
        frame = rows_to_frame(rows, step=name)
        dropped_frame = rows_to_frame(dropped, step=name) if dropped else None
        write = ShardWrite(rows=frame, dropped=dropped_frame, failed=None, stats=stats)
        await asyncio.to_thread(checkpoint.write, seq, write)
        await deliver(seq, frame, stats)
        produced.append(seq)
        seq += 1
    return produced
