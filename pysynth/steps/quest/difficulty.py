"""QueST's difficulty: run T solutions on M inputs in the judge; delta = 1 - mean majority agreement."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from pysynth.quest.code import NoCode, extract_code
from pysynth.quest.difficulty import DifficultyDrop, DifficultyRules, score_difficulty
from pysynth.steps.base import Dropped, Row, RowResult
from pysynth.steps.judged import JudgedRowStep


class QuestDifficulty(JudgedRowStep):
    """`solutions_column` holds the T answers of the solver (a list); the code of each answer's last
    fenced block runs on every input of `inputs`. Output: delta, tests (each input with its
    majority-voted output, agreement share and valid runs), and the solution counts. Problems
    without enough valid executions are dropped under `difficulty: <rule>`. CPU-bound: give the
    step `workers:`."""

    solutions_column: str = Field(default="solution_answers", description="The solver's answers (a list).")
    min_valid_outputs: int = Field(default=2, ge=1, description="Valid runs an input needs to count.")
    min_valid_inputs: int = Field(default=2, ge=1, description="Counting inputs a problem needs.")
    min_solutions: int = Field(default=2, ge=1, description="Solutions that must run validly.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.solutions_column, "inputs"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["delta", "tests", "solutions_total", "solutions_valid", "solutions_without_code"]

    @cached_property
    def _rules(self) -> DifficultyRules:
        return DifficultyRules(min_valid_outputs=self.min_valid_outputs, min_valid_inputs=self.min_valid_inputs,
                               min_solutions=self.min_solutions)

    def transform(self, row: Row) -> RowResult:
        answers = row.get(self.solutions_column) or []
        if isinstance(answers, str):
            answers = [answers]
        extracted = [extract_code(str(answer)) for answer in answers]
        solutions = [code for code in extracted if not isinstance(code, NoCode)]
        if len(solutions) < self.min_solutions:  # nothing to run: say why, not "too few ran validly"
            return Dropped("difficulty: fewer than min_solutions answers hold a code block")
        inputs = [str(text) for text in row.get("inputs") or []]
        score = score_difficulty(solutions, inputs, self._rules, self._judge_config)
        if isinstance(score, DifficultyDrop):
            return Dropped(f"difficulty: {score.reason.value}")
        tests = [{"input": item.input, "output": item.output, "share": item.share, "valid": item.valid}
                 for item in score.voted]
        return {**row, "delta": score.delta, "tests": tests, "solutions_total": len(answers),
                "solutions_valid": score.solutions_valid, "solutions_without_code": len(answers) - len(solutions)}
