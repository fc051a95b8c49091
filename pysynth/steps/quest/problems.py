"""QueST stage 3: K candidate problems per sampled concept set, each an answer to the generation prompt."""

from __future__ import annotations

from pydantic import Field

from pysynth.quest.answers import final_answer, single_problem
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class QuestProblems(LLMStage):
    """`generation_prompt` (from `quest_sample_prompts`) -> `problem`, the text after any <think>
    section, cut to its first problem (`single_problem`); `num_generations` is K. An answer is dropped under `problem: ...` when its reasoning
    never ends or its text is shorter than `min_chars` (a statement with formats, constraints and
    an example is longer)."""

    min_chars: int = Field(default=120, ge=1, description="Shorter answers are not problems.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["generation_prompt"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("problem")

    def prompt(self, row: Row) -> str:
        return str(row["generation_prompt"])

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        if answer is None:
            return Dropped("problem: no answer")
        text = final_answer(answer)
        if text is None:
            return Dropped("problem: the answer stops inside its <think> section")
        text = single_problem(text)
        if len(text) < self.min_chars:
            return Dropped(f"problem: shorter than {self.min_chars} characters")
        return {"problem": text}
