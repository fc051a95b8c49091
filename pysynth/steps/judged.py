"""The base of row steps whose rows run programs in the judge (QueST's difficulty, MicroCoder's pass
rates and verification): their limits, their judge configuration and how many rows run at once."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from pysynth import judge
from pysynth.steps.base import RowStep


class JudgedRowStep(RowStep):
    """A `RowStep` that is `ConcurrentRows`: each row waits on the process's shared judge pool with the
    GIL released, so the executor runs several rows at once. CPU-bound: give the step `workers:`."""

    time_limit: float = Field(default=2.0, gt=0, description=(
        "CPU seconds per run (a problem's own limit wins where it has one)."))
    memory_limit: str = Field(default="256m", description=(
        "Memory per run, e.g. 256m (a problem's own limit wins where it has one)."))

    @cached_property
    def _judge_config(self) -> judge.JudgeConfig:
        return judge.JudgeConfig.build(time_limit=self.time_limit, memory_limit=self.memory_limit)

    @property
    def _judge_pool(self) -> judge.Pool:
        return judge.shared_pool(self._judge_config)

    def row_concurrency(self) -> int:
        """Rows judged at once: twice the judge's sandboxes, so a row waiting for a lease takes each
        sandbox another row gives back (a row holds its lease until its last run is done)."""
        return 2 * self._judge_config.workers
