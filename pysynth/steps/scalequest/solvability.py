"""ScaleQuest's solvability filter: a solver judges whether each question is a valuable, solvable
math problem, and the question is kept on a final "Yes"."""

from __future__ import annotations

from pydantic import Field

from pysynth.scalequest.filters import final_verdict
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs

# Ours. The authors' instruction (`question_filtering/language_solvability_check.py`) asks the same two
# things and ends "conclude with either 'Yes' or 'No'"; we ask for the verdict alone on the last line,
# because we read the final verdict rather than any "yes" in the answer.
SOLVABILITY_PROMPT = """You are a careful math teacher. Decide whether the problem below is a valuable math problem:
1. it is a math problem (not a request for an opinion, a story or code);
2. it can be solved from the conditions it states: nothing essential is missing or contradictory, and it has a definite answer.
You may try to solve it first. Explain briefly, then write your verdict alone on the last line: Yes or No.

Problem: {question}"""

TAIL_CHARS = 200


class Solvability(LLMStage):
    """`question_column` -> kept when the solver's final verdict is yes, with `solvable` True.
    Dropped "solvability: judged unsolvable" on a final no, and "solvability: no final yes/no" when
    the answer states neither; the detail of both is the answer's tail. The authors decode
    greedily: set `temperature: 0` in the step's `llm.generation` (the YAML), not here."""

    question_column: str = Field(default="question", description="The column holding the question text.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.question_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("solvable")

    def prompt(self, row: Row) -> str:
        return SOLVABILITY_PROMPT.format(question=row[self.question_column])

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        text = answer or ""
        verdict = final_verdict(text)
        tail = text.strip()[-TAIL_CHARS:] or "(no answer)"
        if verdict is None:
            return Dropped("solvability: no final yes/no", detail=tail)
        if not verdict:
            return Dropped("solvability: judged unsolvable", detail=tail)
        return {"solvable": True}
