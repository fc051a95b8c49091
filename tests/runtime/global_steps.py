"""A global step that crashes, to check that a failing barrier fails the run (distilabel returns an empty dataset)."""

from __future__ import annotations

from distilabel.steps import GlobalStep, StepInput


class CrashingGlobal(GlobalStep):
    def process(self, inputs: StepInput):  # type: ignore[no-untyped-def, override]
        raise RuntimeError("global boom")
        yield inputs
