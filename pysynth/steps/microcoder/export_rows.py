"""The two MicroCoder datasets: RL problems with their tests, and SFT prompt -> verified solution."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from pysynth.errors import InputError
from pysynth.judge import Language
from pysynth.microcoder.exports import SELECTION_COLUMNS, fenced, rl_row, sft_row
from pysynth.problems.model import ReferenceSolution
from pysynth.problems.rows import problem_from_row
from pysynth.steps.base import Dropped, Row, RowResult, RowStep

PROBLEM_INPUTS = ["id", "source", "statement", "mode", "tests"]


class MicrocoderExport(RowStep):
    """MicroCoder's two datasets: RL problems with their tests, or SFT prompt -> verified solution.

    `kind: rl`: one problem a row, trainer-ready: `prompt`, `tests` as the JSON text of
    LiveCodeBench's `[{"input", "output", "testtype"}]` (what `pysynth.code_reward` scores against),
    `fn_name` (null for stdin), `comparator`, and the selection columns the run has
    (predicted_difficulty, calibrated_pass_rate, difficulty, date). `kind: sft`: the prompt -> the first
    verified solution in `language`, as a fenced block, in trl's conversational prompt-completion
    format; problems without one are dropped under `export: no verified solution`."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = (
        ("by `kind`: rl: id, source, statement, mode, tests, `prompt_column`; sft: id, source, `prompt_column`, "
         "verified_solutions"),
        ("only the dataset's columns, by `kind`: rl: id, source, prompt, tests (JSON text), fn_name, comparator "
         f"(and {', '.join(SELECTION_COLUMNS)} when present); sft: id, source, prompt, completion"))

    passthrough: ClassVar[bool] = False
    kind: Literal["rl", "sft"] = Field(
        description="Which dataset: rl (problems with tests) or sft (prompt -> verified solution).")
    prompt_column: str = Field(default="prompt", description=(
        "The column holding the prompt text (the statement with its format instruction, from the normalise stage)."))
    language: Language = Field(default="python", description="sft: the language of the solution to train on.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        if self.kind == "rl":
            return [*PROBLEM_INPUTS, self.prompt_column]
        return ["id", "source", self.prompt_column, "verified_solutions"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        if self.kind == "rl":
            return ["id", "source", "prompt", "tests", "fn_name", "comparator"]
        return ["id", "source", "prompt", "completion"]

    def transform(self, row: Row) -> RowResult:
        prompt = row.get(self.prompt_column)
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError(f"row {row.get('id')!r}: {self.prompt_column}: expected the prompt text, got {prompt!r}")
        if self.kind == "rl":
            return rl_row(problem_from_row(row), prompt, row)
        chosen = [solution for solution in row.get("verified_solutions") or [] if solution["language"] == self.language]
        if not chosen:
            return Dropped("export: no verified solution", detail=f"none in {self.language}")
        answer = next((block for block in (fenced(ReferenceSolution.model_validate(item)) for item in chosen)
                       if block is not None), None)
        if answer is None:  # rare: a program with a line starting with ```, which would end its block early
            return Dropped("export: no verified solution", detail=f"every {self.language} one holds a fence line")
        return dict(sft_row(str(row["id"]), str(row["source"]), prompt, answer))
