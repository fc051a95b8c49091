"""Steps for the worker-isolation tests: a distilabel step (not a pysynth `RowStep`, so the pool runs its
batches whole) that loses its worker on one row, and a global step that fails the run at a chosen moment."""

from __future__ import annotations

import os
import time
from pathlib import Path

from distilabel.steps import GlobalStep, Step, StepInput


class LoseWorkerOnRow(Step):
    """On the row whose topic is `culprit`: `exit` ends the process with code 3, `hang` sleeps for an hour."""

    culprit: str
    fault: str = "exit"

    @property
    def inputs(self) -> list[str]:
        return ["topic"]

    @property
    def outputs(self) -> list[str]:
        return ["seen"]

    def process(self, inputs: StepInput):  # type: ignore[no-untyped-def, override]
        for row in inputs:
            if row["topic"] == self.culprit:
                if self.fault == "exit":
                    os._exit(3)
                time.sleep(3600)
        yield [{**row, "seen": row["topic"]} for row in inputs]


class CrashOnceMarked(GlobalStep):
    """Raises once the file `marker` exists (a worker writes it when it starts to hang), failing the run."""

    marker: str

    def process(self, inputs: StepInput):  # type: ignore[no-untyped-def, override]
        deadline = time.monotonic() + 120
        while not Path(self.marker).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("global boom")
        yield inputs
