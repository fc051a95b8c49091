"""A step's pool of worker processes (`workers: N`, `row_timeout_s`): a lost worker fails only its rows.

A worker is lost when it dies (`os._exit`, a segfault, the OOM killer) or is killed because a row
ran past `row_timeout_s`. The pool then starts a replacement and finds the rows to blame:
- `RowStep`s report each row as it finishes, so the row being processed is known exactly: it gets
  one more try on another worker (a worker can die for reasons of its own, e.g. the OOM killer's
  pick), unless it timed out (its time limit is spent); a second loss fails it. Each row has
  `row_timeout_s` of its own, counted from the moment the previous row finished.
- other steps run a batch as a whole, within `row_timeout_s` x rows: a lost batch is tried once
  more (unless it timed out), then halved until the rows that lose a worker are alone.
A row to blame becomes a failed row (its `error` says why: `WorkerDied`, `RowTimedOut`); the other
rows of the batch are processed as usual and the run goes on.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Generic, TypeVar

from pysynth.errors import PipelineRunError
from pysynth.runtime.frames import Row
from pysynth.runtime.kernels import BatchResult
from pysynth.runtime.workers.process import RowTimedOut, WorkerDied, WorkerLost, WorkerProcess, describe_exit

W = TypeVar("W")
STOP_GRACE_S = 2.0  # how long idle workers get to unload their step before they are killed


class BisectingPool(Generic[W]):
    """What every pool shares: the queue of idle workers (started as batches need them, at most
    `size`; a worker that could not load is queued as its error, which every waiting batch raises),
    the time limit of a batch, and what becomes of a batch that lost its worker: one more try unless
    it timed out, then halves until the rows to blame are alone. A pool supplies `_attempt` (rows
    on one worker), `_start` (one more worker, queued once loaded) and `_started_count`."""

    size: int
    row_timeout_s: float | None
    _idle: asyncio.Queue[W | PipelineRunError] | None

    async def _attempt(self, rows: list[Row], retries: int) -> tuple[list[BatchResult], WorkerLost | None]:
        raise NotImplementedError

    def _start(self) -> None:
        raise NotImplementedError

    def _started_count(self) -> int:
        raise NotImplementedError

    async def _take(self) -> W:
        if self._idle is None:
            self._idle = asyncio.Queue()
        if self._idle.empty() and self._started_count() < self.size:
            self._start()
        worker = await self._idle.get()
        if isinstance(worker, PipelineRunError):
            self._idle.put_nowait(worker)  # every waiting batch fails the same way
            raise worker
        return worker

    def _batch_timeout(self, rows: list[Row]) -> float | None:
        return None if self.row_timeout_s is None else self.row_timeout_s * max(len(rows), 1)

    async def _run_batch(self, rows: list[Row], retries: int) -> BatchResult:
        done, lost = await self._attempt(rows, retries)
        if isinstance(lost, WorkerDied):
            done, lost = await self._attempt(rows, retries)
        return done[0] if lost is None else await self._bisect(rows, retries, lost)

    async def _bisect(self, rows: list[Row], retries: int, lost: WorkerLost) -> BatchResult:
        """`rows` lost a worker (with `lost`): a row alone is to blame, otherwise each half is tried."""
        if len(rows) <= 1:
            return _merge([_failed(row, lost) for row in rows])
        parts = []
        for half in (rows[:len(rows) // 2], rows[len(rows) // 2:]):
            done, lost_half = await self._attempt(half, retries)
            parts.append(done[0] if lost_half is None else await self._bisect(half, retries, lost_half))
        return _merge(parts)


class WorkerPool(BisectingPool[WorkerProcess]):
    """Processes of one step, started as batches need them (at most `size`), all ended by `close`."""

    def __init__(self, step_name: str, build: tuple[str, dict[str, Any]], *, size: int,
                 row_timeout_s: float | None, row_by_row: bool) -> None:
        self.step_name, self.build, self.size = step_name, build, size
        self.row_timeout_s, self.row_by_row = row_timeout_s, row_by_row
        self._idle: asyncio.Queue[WorkerProcess | PipelineRunError] | None = None
        self._live: set[WorkerProcess] = set()
        self._started: list[WorkerProcess] = []
        self._loading: set[asyncio.Task[None]] = set()
        self._closed = False

    async def run(self, rows: list[Row], retries: int) -> BatchResult:
        """The `run_in_worker(build, rows, retries)` result, with rows that lose a worker failed."""
        if self.row_by_row:
            return await self._run_rows(rows, retries)
        return await self._run_batch(rows, retries)

    def close(self) -> None:
        """Idle workers are asked to stop, busy or loading ones killed; every process is reaped."""
        self._closed = True
        for task in self._loading:
            task.cancel()
        for worker in self._started:
            worker.stop()
        deadline = time.monotonic() + STOP_GRACE_S
        for worker in self._started:
            worker.reap(max(0.0, deadline - time.monotonic()))
        self._live.clear()

    async def _run_rows(self, rows: list[Row], retries: int) -> BatchResult:
        parts: list[BatchResult] = []
        pending, struck = rows, False  # struck: pending[0] was being processed when a worker died
        while pending:
            done, lost = await self._attempt(pending, retries)
            parts.extend(done)
            pending = pending[len(done):]
            if lost is None:
                break
            struck = struck and not done
            if struck or isinstance(lost, RowTimedOut):
                parts.append(_failed(pending[0], lost))
                pending, struck = pending[1:], False
            else:
                struck = True
        return _merge(parts)

    async def _attempt(self, rows: list[Row], retries: int) -> tuple[list[BatchResult], WorkerLost | None]:
        """`rows` on one worker: the results it sent (per row, or one for the batch) and why it was lost."""
        worker = await self._acquire()
        done: list[BatchResult] = []
        expected, timeout_s = (len(rows), self.row_timeout_s) if self.row_by_row else (1, self._batch_timeout(rows))
        try:
            await worker.send("rows", rows, retries, self.row_by_row)
            while len(done) < expected:
                try:
                    kind, *payload = await worker.receive(timeout_s)
                except TimeoutError:
                    assert self.row_timeout_s is not None
                    worker.kill()
                    self._replace(worker)
                    return done, RowTimedOut(self.row_timeout_s)
                if kind == "exit":
                    self._replace(worker)
                    return done, WorkerDied(payload[0])
                if kind == "error":
                    raise PipelineRunError(f"step '{self.step_name}': a worker process failed: {payload[0]}")
                done.append(payload[0])
        except BaseException:  # cancelled or failed mid-batch: the worker's state is unknown
            worker.kill()
            self._live.discard(worker)
            raise
        self._release(worker)
        return done, None

    def _started_count(self) -> int:
        return len(self._live)

    async def _acquire(self) -> WorkerProcess:
        worker = await self._take()
        worker.idle = False
        return worker

    def _release(self, worker: WorkerProcess) -> None:
        assert self._idle is not None
        worker.idle = True
        self._idle.put_nowait(worker)

    def _replace(self, worker: WorkerProcess) -> None:
        """Lost workers are replaced at once: the replacement loads the step while the rows are sorted out."""
        self._live.discard(worker)
        if not self._closed:
            self._start()

    def _start(self) -> None:
        worker = WorkerProcess(self.build, name=f"pysynth-{self.step_name}-{len(self._started)}")
        self._started.append(worker)
        self._live.add(worker)
        task = asyncio.create_task(self._load(worker))
        self._loading.add(task)
        task.add_done_callback(self._loading.discard)

    async def _load(self, worker: WorkerProcess) -> None:
        assert self._idle is not None
        kind, *payload = await worker.receive(None)
        if kind == "ready":
            self._release(worker)
            return
        self._live.discard(worker)
        worker.kill()
        reason = payload[0] if kind == "error" else f"it died while loading the step ({describe_exit(payload[0])})"
        self._idle.put_nowait(PipelineRunError(f"step '{self.step_name}': a worker process could not load the "
                                               f"step: {reason}"))


def _failed(row: Row, lost: WorkerLost) -> BatchResult:
    result = BatchResult()
    result.fail(row, lost)
    result.stats.rows_in = 1
    return result


def _merge(parts: list[BatchResult]) -> BatchResult:
    merged = BatchResult()
    for part in parts:
        merged.rows.extend(part.rows)
        merged.dropped.extend(part.dropped)
        merged.failed.extend(part.failed)
        merged.stats.add(part.stats)
    return merged
