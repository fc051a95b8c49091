"""pysynth's executor: runs a compiled distilabel DAG batch by batch, streaming and resumable.

Each step is an asyncio task reading its parents' batches from bounded queues (back-pressure keeps
memory flat), admitting batches as `Admission` allows (`concurrency` batches for CPU steps, the
request cap for LLM steps) and checkpointing every output batch before passing it on. LLM answers
go to the request cache as they arrive, and the cache is flushed before a batch is committed. A batch keeps its sequence number through the DAG, so its output shard has the
same name whichever order batches finish in, and a resumed run skips exactly the shards on disk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import NamedTuple

import polars as pl
from distilabel.models.llms.base import AsyncLLM

from pysynth.dag import CompiledPipeline, StepKind, StepNode
from pysynth.errors import PipelineRunError
from pysynth.llm import OpenAICompatibleLLM
from pysynth.runtime.admission import Ticket, admission_for, request_cap
from pysynth.runtime.cache import CACHE_NAME, RequestCache, StepCache
from pysynth.runtime.checkpoint import BatchStats, ShardWrite, StepCheckpoint
from pysynth.runtime.frames import ROW_ID, Row, frame_to_rows, rows_to_frame
from pysynth.runtime.kernels import BatchResult, run_batch_step, run_llm_task, run_row_step, run_row_step_concurrently
from pysynth.runtime.shards import Shard
from pysynth.runtime.sources import run_generator
from pysynth.runtime.state import StepState, StepStatus
from pysynth.runtime.workers import StepPool, make_pool
from pysynth.spec.models import WorkersSpec
from pysynth.steps.adapter import AnyStep, AnyTask
from pysynth.steps.base import Dropped, RowStep
from pysynth.steps.contract import ConcurrentRows, ProducesRows, Reports, SelectsRows

INBOX_BATCHES = 4


class Delivery(NamedTuple):
    seq: int
    frame: pl.DataFrame | None  # None: read it from the sender's checkpoint


class Executor:
    def __init__(self, compiled: CompiledPipeline, checkpoint_root: Path, *, use_cache: bool = True,
                 shard: Shard | None = None) -> None:
        self.compiled = compiled
        self.shard = shard
        self.cache_path = checkpoint_root / CACHE_NAME if use_cache else None
        self.cache: RequestCache | None = None
        self.step_caches: dict[str, StepCache] = {}
        self.nodes = compiled.nodes
        self.checkpoints = {name: StepCheckpoint(checkpoint_root, name, node.fingerprint)
                            for name, node in self.nodes.items()}
        self.done = {name: cp.done_shards() for name, cp in self.checkpoints.items()}
        self.states = {name: StepState(name, node.kind, node.fingerprint) for name, node in self.nodes.items()}
        self.inbox: dict[str, dict[str, asyncio.Queue[Delivery | None]]] = {}
        self.pools: dict[str, StepPool] = {}
        self.row_threads: dict[str, ThreadPoolExecutor] = {}  # of `ConcurrentRows` steps

    async def run(self) -> None:
        for name, node in self.nodes.items():
            self.inbox[name] = {parent: asyncio.Queue(INBOX_BATCHES) for parent in node.parents}
            self.checkpoints[name].remove_stale()
            if (node.spec.workers or node.spec.row_timeout_s) and self.done[name] is None:
                self.pools[name] = make_pool(name, node.build, node.spec.workers or WorkersSpec(),
                                             row_timeout_s=node.spec.row_timeout_s,
                                             row_by_row=isinstance(node.step, RowStep))
        self._open_cache()
        self._watch_requests()
        try:
            for name, node in self.nodes.items():
                if self.done[name] is None:
                    await asyncio.to_thread(node.step.load)
                    if isinstance(node.step, ConcurrentRows) and name not in self.pools:
                        self.row_threads[name] = ThreadPoolExecutor(node.step.row_concurrency(),
                                                                    thread_name_prefix=f"pysynth-{name}")
            async with asyncio.TaskGroup() as group:
                for name in self.nodes:
                    group.create_task(self._run_step(name), name=name)
        finally:
            for pool in self.pools.values():
                pool.close()
            for threads in self.row_threads.values():
                threads.shutdown(wait=False, cancel_futures=True)
            if self.cache is not None:
                self.cache.close()
            for name, node in self.nodes.items():
                if self.done[name] is None:
                    node.step.unload()

    def _watch_requests(self) -> None:
        """Lets the live view show each running LLM step's requests in flight against its cap."""
        for name, node in self.nodes.items():
            step = node.step
            if self.done[name] is None and isinstance(step, AnyTask) and isinstance(step.llm, OpenAICompatibleLLM):
                self.states[name].request_cap = request_cap(node)
                self.states[name].requests_in_flight = partial(_in_flight, step.llm)

    def _open_cache(self) -> None:
        """The request cache, when a step that will run sends LLM requests and keeps its answers."""
        settings = {name: node.spec.cache for name, node in self.nodes.items()
                    if node.llm is not None and self.done[name] is None}
        if self.cache_path is None or not any(setting.enabled for setting in settings.values()):
            return
        self.cache = RequestCache(self.cache_path)
        self.step_caches = {name: StepCache(self.cache, setting.retry_truncated)
                            for name, setting in settings.items() if setting.enabled}

    async def _run_step(self, name: str) -> None:
        node, state, checkpoint = self.nodes[name], self.states[name], self.checkpoints[name]
        state.start()
        try:
            if self.done[name] is not None:
                produced = self.done[name] or []
                for seq in produced:
                    self._account(name, checkpoint.stats(seq))
                    await self._emit(name, seq, None)
                state.finish(StepStatus.REUSED)
            else:
                if node.kind is StepKind.GENERATOR:
                    produced = await run_generator(node, checkpoint, lambda seq, frame, stats: self._deliver(
                        name, seq, frame, stats), self.shard)
                elif node.kind is StepKind.GLOBAL:
                    produced = await self._run_global(name)
                else:
                    produced = await self._run_normal(name)
                checkpoint.mark_done(sorted(produced))
                state.finish()
        except asyncio.CancelledError:
            state.finish(StepStatus.INTERRUPTED)
            raise
        except BaseException:
            state.finish(StepStatus.FAILED)
            raise
        for child in self.compiled.children[name]:
            if self.done[child] is None:
                await self.inbox[child][name].put(None)

    async def _deliver(self, name: str, seq: int, frame: pl.DataFrame | None, stats: BatchStats) -> None:
        self._account(name, stats)
        await self._emit(name, seq, frame)

    def _account(self, name: str, stats: BatchStats) -> None:
        self.states[name].stats.add(stats)
        self.states[name].shards += 1

    async def _emit(self, name: str, seq: int, frame: pl.DataFrame | None) -> None:
        for child in self.compiled.children[name]:
            if self.done[child] is None:
                lazy = frame if self.nodes[child].kind is not StepKind.GLOBAL else None
                await self.inbox[child][name].put(Delivery(seq, lazy))

    async def _rows(self, parent: str, delivery: Delivery) -> list[Row]:
        frame = delivery.frame
        if frame is None:
            frame = await asyncio.to_thread(self.checkpoints[parent].read, delivery.seq)
        return frame_to_rows(frame)

    async def _run_normal(self, name: str) -> list[int]:
        node, checkpoint = self.nodes[name], self.checkpoints[name]
        produced: list[int] = []
        admission = admission_for(node, self.compiled.loaded.spec.defaults.batch_size)

        async def handle(seq: int, rows: list[Row], pre: BatchResult, admitted: Ticket) -> None:
            try:
                started = time.perf_counter()
                result = await self._process(node, rows, admitted.row_done)
                result.stats.seconds = time.perf_counter() - started
                result.stats.rows_in += pre.stats.rows_in
                result.dropped.extend(pre.dropped)
                for reason, count in pre.stats.dropped.items():
                    result.stats.dropped[reason] = result.stats.dropped.get(reason, 0) + count
                if name in self.step_caches:
                    await self.step_caches[name].store.flush()  # answers are durable before the batch is
                frame = await self._commit(name, seq, result)
                await self._deliver(name, seq, frame, result.stats)
                produced.append(seq)
            finally:
                admitted.close()

        async with asyncio.TaskGroup() as group:
            async for seq, load in self._batches(name):
                if checkpoint.has(seq):
                    await self._deliver(name, seq, None, checkpoint.stats(seq))
                    produced.append(seq)
                    continue
                await admission.wait()
                rows, pre = await load()
                group.create_task(handle(seq, rows, pre, admission.admit(len(rows))))
        return produced

    async def _batches(self, name: str):  # type: ignore[no-untyped-def]
        """(output seq, loader of the batch's input rows) as the parents' batches arrive."""
        node = self.nodes[name]
        parents = node.parents
        merged: asyncio.Queue[tuple[int, Delivery | None]] = asyncio.Queue()

        async def forward(index: int, parent: str) -> None:
            while (delivery := await self.inbox[name][parent].get()) is not None:
                await merged.put((index, delivery))
            await merged.put((index, None))

        readers = [asyncio.create_task(forward(i, p)) for i, p in enumerate(parents)]
        try:
            open_parents, waiting = len(parents), {}  # type: ignore[var-annotated]
            while open_parents:
                index, delivery = await merged.get()
                if delivery is None:
                    open_parents -= 1
                    continue
                if len(parents) == 1 or node.spec.join == "concat":
                    seq = delivery.seq if len(parents) == 1 else delivery.seq * len(parents) + index
                    yield seq, self._single_loader(parents[index], delivery)
                    continue
                waiting.setdefault(delivery.seq, {})[index] = delivery
                if len(waiting[delivery.seq]) == len(parents):
                    yield delivery.seq, self._join_loader(parents, waiting.pop(delivery.seq))
            for seq, partial in sorted(waiting.items()):  # a parent ended without this batch: join what came
                yield seq, self._join_loader(parents, partial)
        finally:
            for reader in readers:
                reader.cancel()

    def _single_loader(self, parent: str, delivery: Delivery) -> Callable[[], Awaitable[tuple[list[Row], BatchResult]]]:
        async def load() -> tuple[list[Row], BatchResult]:
            return await self._rows(parent, delivery), BatchResult()
        return load

    def _join_loader(self, parents: tuple[str, ...], deliveries: dict[int, Delivery]) -> Callable[
            [], Awaitable[tuple[list[Row], BatchResult]]]:
        """Rows present in every input, their columns merged in input order; the others are dropped."""
        async def load() -> tuple[list[Row], BatchResult]:
            tables = [await self._rows(parents[i], deliveries[i]) if i in deliveries else []
                      for i in range(len(parents))]
            by_id = [{row[ROW_ID]: row for row in table} for table in tables]
            common = [row_id for row_id in by_id[0] if all(row_id in other for other in by_id[1:])]
            joined: list[Row] = []
            for row_id in common:
                merged: Row = {}
                for rows in by_id:
                    merged.update(rows[row_id])
                joined.append(merged)
            pre, kept = BatchResult(), set(common)
            for row_id, row in {row_id: row for rows in by_id for row_id, row in rows.items()}.items():
                if row_id not in kept:
                    pre.drop(row, "not in every input of the join")
                    pre.stats.rows_in += 1
            return joined, pre
        return load

    async def _process(self, node: StepNode, rows: list[Row], row_done: Callable[[], None]) -> BatchResult:
        step, retries = node.step, node.spec.max_row_retries
        if isinstance(step, AnyTask) and isinstance(step.llm, AsyncLLM):
            return await run_llm_task(step, rows, cache=self.step_caches.get(node.spec.name), on_row_done=row_done)
        pool = self.pools.get(node.spec.name)
        if pool is not None:
            return await pool.run(rows, retries)
        threads = self.row_threads.get(node.spec.name)
        if threads is not None and isinstance(step, RowStep):
            return await run_row_step_concurrently(step, rows, retries, threads, row_done)
        if isinstance(step, RowStep):
            return await asyncio.to_thread(run_row_step, step, rows, retries)
        return await asyncio.to_thread(run_batch_step, step, rows, retries)

    async def _commit(self, name: str, seq: int, result: BatchResult) -> pl.DataFrame:
        frame = rows_to_frame(result.rows, step=name)
        shard = ShardWrite(
            rows=frame,
            dropped=rows_to_frame(result.dropped, step=name) if result.dropped else None,
            failed=rows_to_frame(result.failed, step=name) if result.failed else None,
            stats=result.stats,
        )
        await asyncio.to_thread(self.checkpoints[name].write, seq, shard)
        return frame

    async def _run_global(self, name: str) -> list[int]:
        """Barrier: wait for every input batch (on disk already), then process all rows at once."""
        node = self.nodes[name]
        arrived: list[tuple[int, int, Delivery]] = []

        async def collect(index: int, parent: str) -> None:
            # Every parent is drained at once: a parent left unread would block a shared upstream source.
            while (delivery := await self.inbox[name][parent].get()) is not None:
                arrived.append((index, delivery.seq, delivery))

        async with asyncio.TaskGroup() as group:
            for index, parent in enumerate(node.parents):
                group.create_task(collect(index, parent))
        rows: list[Row] = []
        for index, _, delivery in sorted(arrived, key=lambda item: (item[0], item[1])):
            rows.extend(await self._rows(node.parents[index], delivery))
        try:
            result = await asyncio.to_thread(_run_global_step, node.step, rows, self.shard)
        except Exception as error:
            raise PipelineRunError(f"global step '{name}' failed: {type(error).__name__}: {error}") from error
        size = self.compiled.loaded.spec.defaults.batch_size
        chunks = [result.rows[start:start + size] for start in range(0, len(result.rows), size)] or [[]]
        produced = []
        for seq, chunk in enumerate(chunks):
            part = BatchResult(rows=chunk, stats=result.stats if seq == 0 else BatchStats(rows_out=len(chunk)))
            if seq == 0:
                part.dropped, part.failed = result.dropped, result.failed
                part.stats.rows_out = len(chunk)
            frame = await self._commit(name, seq, part)
            await self._deliver(name, seq, frame, part.stats)
            produced.append(seq)
        return produced


def _in_flight(llm: OpenAICompatibleLLM) -> int:
    return llm.in_flight


def _run_global_step(step: AnyStep, rows: list[Row], shard: Shard | None) -> BatchResult:
    if isinstance(step, ProducesRows):  # new rows made from all the inputs (e.g. prompts sampled from a graph of them)
        name: str = step.name  # type: ignore[attr-defined]  # every distilabel step has one
        produced = step.produce(rows)
        ids = [f"{name}-{index}" if shard is None else shard.produced_id(name, index) for index in range(len(produced))]
        result = BatchResult(rows=[{**row, ROW_ID: row_id} for row, row_id in zip(produced, ids, strict=True)])
    elif isinstance(step, SelectsRows):
        result = BatchResult()
        for row, decided in zip(rows, step.select(rows), strict=True):
            if isinstance(decided, Dropped):
                result.drop(row, decided.reason, decided.detail)
            else:
                result.rows.append(decided)
    else:
        return run_batch_step(step, rows, isolate=False)
    result.stats.rows_in, result.stats.rows_out = len(rows), len(result.rows)
    if isinstance(step, Reports):
        result.stats.report = step.report()
    return result
