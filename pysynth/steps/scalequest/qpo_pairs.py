"""ScaleQuest stage 3 (QPO data): rewrites as preference pairs for trl's `DPOTrainer`."""

from __future__ import annotations

from typing import ClassVar

from pysynth.steps.base import Row, RowResult, RowStep

PAIR_COLUMNS = ["prompt", "chosen", "rejected"]


class ScaleQuestQPOPairs(RowStep):
    """`pre_query`, `question`, `rewritten` -> trl's standard (not conversational) preference row:
    `prompt` = the pre-query text (a raw template string, so no chat messages), `chosen` = the rewrite,
    `rejected` = the original question, as in the authors' pairs. Only those three columns are kept, so
    the exported file loads straight into `DPOTrainer` (`pysynth train dpo`)."""

    passthrough: ClassVar[bool] = False

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["pre_query", "question", "rewritten"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return PAIR_COLUMNS

    def transform(self, row: Row) -> RowResult:
        return {"prompt": str(row["pre_query"]), "chosen": str(row["rewritten"]), "rejected": str(row["question"])}
