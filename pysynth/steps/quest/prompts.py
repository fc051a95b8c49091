"""Render one of QueST's prompts from a row into a column that a `generate` step sends as is."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Literal

from pydantic import Field

from pysynth.quest.code import render_solution_prompt
from pysynth.quest.concepts import render_extraction_prompt
from pysynth.quest.inputs import render_generator_prompt, render_inputs_prompt
from pysynth.steps.base import Row, RowResult, RowStep

PromptKind = Literal["concepts", "inputs", "generator", "solution", "distill"]
# What each prompt is written from, and the column it is written to.
SOURCE_COLUMN: dict[str, str] = {"concepts": "statement", "inputs": "problem", "generator": "problem",
                                 "solution": "problem", "distill": "problem"}
PROMPT_COLUMN: dict[str, str] = {"concepts": "concepts_prompt", "inputs": "inputs_prompt",
                                 "generator": "inputs_prompt", "solution": "solution_prompt",
                                 "distill": "distill_prompt"}


DISTILL_SUFFIX = ("\n\nReason step by step at length before the code: analyse the constraints, consider "
                  "and reject naive approaches, and prove the chosen algorithm correct.")


class QuestPrompt(RowStep):
    """`kind`: concepts (extract topics and knowledge points from `statement`), inputs (write `count`
    test inputs for `problem`), generator (write an input-generator program), solution or distill
    (solve `problem`; distill asks a teacher for its long reasoning as well)."""

    kind: PromptKind = Field(description="Which prompt: concepts, inputs, generator, solution or distill.")
    count: int = Field(default=10, ge=1, le=100, description="Test inputs asked for (kind: inputs).")
    language: Literal["python", "cpp"] = Field(default="python", description="Solution language.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [SOURCE_COLUMN[self.kind]]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return [PROMPT_COLUMN[self.kind]]

    @cached_property
    def _render(self) -> Callable[[str], str]:
        renderers: dict[str, Callable[[str], str]] = {
            "concepts": render_extraction_prompt,
            "inputs": lambda problem: render_inputs_prompt(problem, self.count),
            "generator": render_generator_prompt,
            "solution": lambda problem: render_solution_prompt(problem, self.language),
            "distill": lambda problem: render_solution_prompt(problem, self.language) + DISTILL_SUFFIX,
        }
        return renderers[self.kind]

    def transform(self, row: Row) -> RowResult:
        return {**row, PROMPT_COLUMN[self.kind]: self._render(str(row[SOURCE_COLUMN[self.kind]]))}
