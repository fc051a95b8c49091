"""ScaleQuest stage 3 (QPO data): rewrites as preference pairs for trl's `DPOTrainer`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from pysynth.steps.base import Row, RowResult, RowStep

PAIR_COLUMNS = ["prompt", "chosen", "rejected"]


class ScaleQuestQPOPairs(RowStep):
    """`pre_query`, `question`, `rewritten` -> trl's standard (not conversational) preference row:
    `prompt` = the pre-query text (a raw template string, so no chat messages), `chosen` = the rewrite,
    `rejected` = the original question, as in the authors' pairs. Only those three columns are kept, so
    the exported file loads straight into `DPOTrainer` (`pysynth train dpo`)."""

    passthrough: ClassVar[bool] = False

    prompt_column: str = Field(default="pre_query", description="The pre-query text the questions were sampled from.")
    chosen_column: str = Field(default="rewritten", description="The preferred question (the QPO rewrite).")
    rejected_column: str = Field(default="question", description="The question it improves on (the original).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.prompt_column, self.rejected_column, self.chosen_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return PAIR_COLUMNS

    def transform(self, row: Row) -> RowResult:
        return {"prompt": str(row[self.prompt_column]), "chosen": str(row[self.chosen_column]),
                "rejected": str(row[self.rejected_column])}
