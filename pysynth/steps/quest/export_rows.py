"""The three QueST datasets, one row shape each: rejection fine-tuning, RL, distillation."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from pysynth.quest.answers import final_answer
from pysynth.quest.code import NoCode, extract_code
from pysynth.quest.exports import rft_row
from pysynth.steps.base import Dropped, Row, RowResult, RowStep

NEEDS: dict[str, list[str]] = {
    "rft": ["generation_prompt", "problem"],
    "rl": ["problem", "tests", "delta"],
    "distill": ["distill_prompt", "distill_answer"],
}
WRITES: dict[str, list[str]] = {
    "rft": ["prompt", "completion", "delta"],
    "rl": ["id", "problem", "tests", "delta"],
    "distill": ["prompt", "completion"],
}


class QuestExport(RowStep):
    """`kind: rft`: the generation prompt -> the chosen problem, in trl's conversational
    prompt-completion format (train the generator on it with `pysynth train sft`). `kind: rl`: the
    problem with its inputs and majority-voted outputs as tests. `kind: distill`: the problem ->
    a teacher's long reasoning and solution (answers without a closed code block are dropped)."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = (
        "by `kind`: rft: generation_prompt, problem; rl: problem, tests, delta; distill: distill_prompt, distill_answer",
        "only the dataset's columns, by `kind`: rft: prompt, completion, delta; rl: id, problem, tests, delta; "
        "distill: prompt, completion")

    passthrough: ClassVar[bool] = False
    kind: Literal["rft", "rl", "distill"] = Field(description="Which dataset: rft, rl or distill.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return NEEDS[self.kind]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return WRITES[self.kind]

    def transform(self, row: Row) -> RowResult:
        if self.kind == "rft":
            return {**rft_row(str(row["generation_prompt"]), str(row["problem"])), "delta": row["delta"]}
        if self.kind == "rl":
            tests = [{"input": test["input"], "output": test["output"]} for test in row["tests"]]
            return {"id": str(row["_row_id"]), "problem": row["problem"], "tests": tests, "delta": row["delta"]}
        answer = str(row.get("distill_answer") or "")
        if final_answer(answer) is None or isinstance(extract_code(answer), NoCode):
            return Dropped("distill: no finished answer with code")
        return dict(rft_row(str(row["distill_prompt"]), answer))
