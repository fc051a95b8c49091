"""A `ConcurrentRows` step for the admission tests: each row sleeps (releasing the GIL, as a row
waiting on the judge does), one of them long, and reports how many rows were running with it."""

from __future__ import annotations

import threading
import time
from typing import Any

from pysynth.steps.base import RowStep

_lock = threading.Lock()
_running = 0


class SleepyRows(RowStep):
    slow_topic: str = "x7y"
    slow_s: float = 3.0
    row_s: float = 0.02
    threads: int = 8

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["topic"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["running_with", "finished_at"]

    def row_concurrency(self) -> int:
        return self.threads

    def transform(self, row: dict[str, Any]) -> dict[str, Any]:
        global _running
        with _lock:
            _running += 1
            running_with = _running
        time.sleep(self.slow_s if row["topic"] == self.slow_topic else self.row_s)
        with _lock:
            _running -= 1
        return {**row, "running_with": running_with, "finished_at": time.time()}
