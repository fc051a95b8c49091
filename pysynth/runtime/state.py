"""Live per-step counters: read by the progress view, written into the run manifest."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pysynth.runtime.checkpoint import BatchStats


@dataclass
class StepState:
    name: str
    kind: str
    fingerprint: str
    status: str = "pending"  # pending | running | reused | done | failed | interrupted
    stats: BatchStats = field(default_factory=BatchStats)
    shards: int = 0
    started: float | None = None
    finished: float | None = None
    expected_rows: int | None = None  # rows its source will emit, when the source knows

    def start(self) -> None:
        self.status = "running"
        self.started = time.monotonic()

    def finish(self, status: str = "done") -> None:
        self.status = status
        self.finished = time.monotonic()

    @property
    def wall_seconds(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Input rows per second (output rows for sources)."""
        seconds = self.wall_seconds
        done = self.stats.rows_in if self.kind != "generator" else self.stats.rows_out
        return done / seconds if seconds > 0 else 0.0
