"""Test inputs of a problem: parsed from the model's list, or produced by its generator program."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from pysynth import judge
from pysynth.quest.code import NoCode, extract_code
from pysynth.quest.inputs import CheckedInputs, InputLimits, generate_inputs, parse_test_inputs
from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class QuestParseInputs(RowStep):
    """`column` -> `inputs` (the valid ones, at most `count`) and `inputs_dropped` (why each other
    candidate was dropped). `mode: list` reads inputs the model wrote; `mode: generator` extracts
    its program and runs it in the judge once per seed. Fewer than `min_inputs` valid inputs drops
    the problem under `inputs: too few valid`."""

    column: str = Field(default="inputs_answer", description="The model's answer.")
    mode: Literal["list", "generator"] = Field(default="list", description="Inputs written, or a generator program.")
    count: int = Field(default=10, ge=1, description="M: valid inputs kept per problem.")
    min_inputs: int = Field(default=2, ge=1, description="Fewer valid inputs drop the problem.")
    max_bytes: int = Field(default=1 << 20, ge=1, description="Larger inputs are dropped.")
    time_limit: float = Field(default=5.0, gt=0, description="Seconds per generator run (mode: generator).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["inputs", "inputs_dropped"]

    @cached_property
    def _limits(self) -> InputLimits:
        return InputLimits(max_inputs=self.count, max_bytes=self.max_bytes)

    def row_concurrency(self) -> int:
        """Rows judged at once: twice the judge's sandboxes, so a row waiting for a lease takes each
        sandbox another row gives back (a row holds its lease until its last run is done)."""
        return 2 * self._generator_config.workers

    @cached_property
    def _generator_config(self) -> judge.JudgeConfig:
        return judge.JudgeConfig.build(time_limit=self.time_limit)

    def transform(self, row: Row) -> RowResult:
        answer = str(row.get(self.column) or "")
        if self.mode == "list":
            checked = parse_test_inputs(answer, self._limits)
        else:
            program = extract_code(answer)
            if isinstance(program, NoCode):
                return Dropped(f"inputs: generator: {program.reason.value}")
            checked = generate_inputs(program, range(1, self.count + 1), self._limits, self._generator_config)
        return self._kept_or_dropped(row, checked)

    def _kept_or_dropped(self, row: Row, checked: CheckedInputs) -> RowResult:
        if len(checked.kept) < self.min_inputs:
            return Dropped("inputs: too few valid")
        reasons = [f"{dropped.reason.value}: {dropped.detail}" if dropped.detail else dropped.reason.value
                   for dropped in checked.dropped]
        return {**row, "inputs": list(checked.kept), "inputs_dropped": reasons}
