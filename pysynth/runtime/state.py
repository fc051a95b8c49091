"""Live per-step counters: read by the progress view, written into the run manifest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from pysynth.dag import StepKind
from pysynth.runtime.checkpoint import BatchStats


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    REUSED = "reused"  # every batch came from the checkpoint of an earlier run
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass
class StepState:
    name: str
    kind: StepKind
    fingerprint: str
    status: StepStatus = StepStatus.PENDING
    stats: BatchStats = field(default_factory=BatchStats)
    shards: int = 0
    started: float | None = None
    finished: float | None = None
    expected_rows: int | None = None  # rows its source will emit, when the source knows
    request_cap: int | None = None  # an LLM step's requests in flight at most
    requests_in_flight: Callable[[], int] | None = field(default=None, repr=False)  # read by the live view

    @property
    def requests(self) -> str:
        """`in flight/cap` for an LLM step that is running, else empty."""
        if self.requests_in_flight is None or self.status is not StepStatus.RUNNING:
            return ""
        return f"{self.requests_in_flight()}/{self.request_cap or '-'}"

    def start(self) -> None:
        self.status = StepStatus.RUNNING
        self.started = time.monotonic()

    def finish(self, status: StepStatus = StepStatus.DONE) -> None:
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
        done = self.stats.rows_in if self.kind is not StepKind.GENERATOR else self.stats.rows_out
        return done / seconds if seconds > 0 else 0.0
