"""ScaleQuest stage 3 (QPO data): an optimizer model rewrites each sampled question for one objective."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pysynth.runtime.frames import ROW_ID
from pysynth.scalequest.qpo import Objective, ObjectiveChoice, normalised, objective_for, parse_rewrite, rewrite_prompt
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class ScaleQuestRewrite(LLMStage):
    """`question` -> `rewritten` and the `objective` it was rewritten for (`solvability`: made well-posed
    and solvable; `difficulty`: made harder, still solvable). The rewrite is the text after the answer's
    last "Rewritten question:" line; answers without one are dropped as "rewrite: no rewritten question",
    rewrites equal to the question up to whitespace as "rewrite: unchanged" (no preference to learn).
    The authors' optimizer (gpt-4o-mini) ran at temperature 0: set it in `llm.generation`."""

    objective: ObjectiveChoice = Field(
        default="mix", description="solvability, difficulty, or mix (each row drawn by mix_ratio). How the "
        "authors mixed the two is unconfirmed: default ours.")
    mix_ratio: float = Field(default=0.5, ge=0, le=1, description="With mix: the share of rows asked for "
                             "solvability, the rest for difficulty. Default ours.")
    seed: int = Field(default=0, description="With mix: seeds the per-row draw (a hash of the row id).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["question"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("rewritten", "objective")

    def row_objective(self, row: Row) -> Objective:
        # The row id is stable across runs; a row built outside a run (no id) is keyed by its question.
        key: Any = row.get(ROW_ID, row["question"])
        return objective_for(str(key), self.objective, self.mix_ratio, self.seed)

    def prompt(self, row: Row) -> str:
        return rewrite_prompt(self.row_objective(row), str(row["question"]))

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        rewritten = parse_rewrite(answer or "")
        if rewritten is None:
            return Dropped("rewrite: no rewritten question")
        if normalised(rewritten) == normalised(str(row["question"])):
            return Dropped("rewrite: unchanged")
        return {"rewritten": rewritten, "objective": self.row_objective(row)}
