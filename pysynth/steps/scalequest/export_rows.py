"""The ScaleQuest dataset that leaves a run: each question with its best response, for SFT."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from pysynth.errors import InputError
from pysynth.quest.exports import rft_row
from pysynth.runtime.frames import ROW_ID
from pysynth.steps.base import Row, RowResult, RowStep

NEEDS: dict[str, list[str]] = {"sft": ["question", "response"]}
WRITES: dict[str, list[str]] = {"sft": ["prompt", "completion"]}


class ScaleQuestExport(RowStep):
    """`kind: sft`: `question` -> `response` in trl's conversational prompt-completion format
    (`prompt`: the user turn, `completion`: the assistant turn), only those two columns, so the file
    loads straight into `SFTTrainer` (`pysynth train sft`). Put it after `scalequest_best_of_n`,
    which leaves one response per question: the paper's final data set is these pairs. The
    preference pairs for QPO are exported by `scalequest_qpo_pairs`. A row whose question or
    response is not a non-empty text fails, naming the row."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("by `kind`: sft: question, response",
                                               "only the dataset's columns, by `kind`: sft: prompt, completion")

    passthrough: ClassVar[bool] = False
    kind: Literal["sft"] = Field(default="sft", description="Which dataset: sft (the only one; QPO pairs come "
                                                            "from scalequest_qpo_pairs).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return NEEDS[self.kind]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return WRITES[self.kind]

    def transform(self, row: Row) -> RowResult:
        return dict(rft_row(self._text(row, "question"), self._text(row, "response")))

    def _text(self, row: Row, column: str) -> str:
        value = row.get(column)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"scalequest_export step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: "
                             f"'{column}' is {repr(value)[:80]}, not a non-empty text")
        return value
