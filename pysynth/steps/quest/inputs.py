"""QueST stage 4: M test inputs per problem, written by the LLM or produced by a generator program it writes."""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from pysynth import judge
from pysynth.quest.code import NoCode, extract_code
from pysynth.quest.inputs import (
    CheckedInputs,
    InputLimits,
    generate_inputs,
    parse_test_inputs,
    render_generator_prompt,
    render_inputs_prompt,
)
from pysynth.quest.schemas import MAX_LINE_CHARS, MAX_LINES, InputsAnswer, inputs_answer
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class QuestInputs(LLMStage):
    """`problem` -> `inputs` (the valid ones, at most `count`) and `inputs_dropped` (why each other
    candidate was dropped). `mode: list` asks for the inputs themselves (JSON, `InputsAnswer`);
    `mode: generator` asks for an input-generator program and runs it in the judge once per seed
    1..count. Fewer than `min_inputs` valid inputs drop the problem under `inputs: too few valid`."""

    answer_schema: ClassVar[type[BaseModel] | None] = InputsAnswer
    mode: Literal["list", "generator"] = Field(default="list", description="Inputs written, or a generator program.")
    count: int = Field(default=10, ge=1, le=100, description="M: inputs asked for and kept per problem.")
    min_inputs: int = Field(default=2, ge=1, description="Fewer valid inputs drop the problem.")
    max_bytes: int = Field(default=1 << 20, ge=1, description="Larger inputs are dropped.")
    max_lines: int = Field(default=MAX_LINES, ge=1, description=(
        "mode list: lines per written input, enforced by constrained decoding (larger inputs: mode generator)."))
    max_line_chars: int = Field(default=MAX_LINE_CHARS, ge=1, description=(
        "mode list: characters per line of a written input, enforced by constrained decoding."))
    time_limit: float = Field(default=5.0, gt=0, description="Seconds per generator run (mode: generator).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["problem"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("inputs", "inputs_dropped")

    def answer_format(self) -> type[BaseModel] | None:
        if self.mode == "generator":
            return None  # a program is not JSON
        schema = super().answer_format()
        return inputs_answer(self.count, self.max_lines, self.max_line_chars) if schema is InputsAnswer else schema

    def parse_blocks(self) -> bool:
        return self.mode == "generator"

    def prompt(self, row: Row) -> str:
        problem = str(row["problem"])
        return render_inputs_prompt(problem, self.count) if self.mode == "list" else render_generator_prompt(problem)

    @cached_property
    def _limits(self) -> InputLimits:
        return InputLimits(max_inputs=self.count, max_bytes=self.max_bytes)

    @cached_property
    def _generator_config(self) -> judge.JudgeConfig:
        return judge.JudgeConfig.build(time_limit=self.time_limit)

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        if self.mode == "list":
            checked = parse_test_inputs(answer or "", self._limits)
        else:
            program = extract_code(answer or "")
            if isinstance(program, NoCode):
                return Dropped(f"inputs: generator: {program.reason.value}")
            checked = generate_inputs(program, range(1, self.count + 1), self._limits, self._generator_config)
        return self._kept_or_dropped(checked)

    def _kept_or_dropped(self, checked: CheckedInputs) -> Row | Dropped:
        if len(checked.kept) < self.min_inputs:
            return Dropped("inputs: too few valid")
        reasons = [f"{dropped.reason.value}: {dropped.detail}" if dropped.detail else dropped.reason.value
                   for dropped in checked.dropped]
        return {"inputs": list(checked.kept), "inputs_dropped": reasons}
