"""Worker processes for CPU-bound steps (`workers:`, `row_timeout_s:`): a crash or a hang fails only its rows.

`make_pool` picks the pool of a step's `workers:` block: local processes, or Ray actors."""

from __future__ import annotations

from typing import Any, Protocol

from pysynth.runtime.frames import Row
from pysynth.runtime.kernels import BatchResult
from pysynth.runtime.workers.child import run_in_worker
from pysynth.runtime.workers.pool import WorkerPool
from pysynth.runtime.workers.process import RowTimedOut, WorkerDied, WorkerLost
from pysynth.spec.models import WorkersSpec


class StepPool(Protocol):
    async def run(self, rows: list[Row], retries: int) -> BatchResult: ...

    def close(self) -> None: ...


def make_pool(step_name: str, build: tuple[str, dict[str, Any]], workers: WorkersSpec, *,
              row_timeout_s: float | None, row_by_row: bool) -> StepPool:
    if workers.backend == "ray":
        from pysynth.runtime.workers.ray_pool import RayActorPool  # ray is imported when the pool connects

        return RayActorPool(step_name, build, size=workers.size, address=workers.address, num_cpus=workers.num_cpus,
                            row_timeout_s=row_timeout_s)
    return WorkerPool(step_name, build, size=workers.size, row_timeout_s=row_timeout_s, row_by_row=row_by_row)


__all__ = ["RowTimedOut", "StepPool", "WorkerDied", "WorkerLost", "WorkerPool", "make_pool", "run_in_worker"]
