"""Worker processes for CPU-bound steps (`workers:`, `row_timeout_s:`): a crash or a hang fails only its rows."""

from pysynth.runtime.workers.child import run_in_worker
from pysynth.runtime.workers.pool import WorkerPool
from pysynth.runtime.workers.process import RowTimedOut, WorkerDied, WorkerLost

__all__ = ["RowTimedOut", "WorkerDied", "WorkerLost", "WorkerPool", "run_in_worker"]
