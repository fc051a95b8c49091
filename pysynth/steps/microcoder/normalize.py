"""MicroCoder's processing stage as a row step: the prompt, capped tests and kept references of each
problem (the rules are `pysynth.microcoder.normalize`'s; this step converts rows to `Problem`s and back).

Output columns: `prompt` (LiveCodeBench's template: the statement and the format instruction of the
problem's mode), `format_instruction` (the prompt's part after the statement), `tests` (the kept
tests, replacing the input's), `tests_dropped`, `solutions` and `incorrect_solutions` (the kept
references, replacing the input's) and `references_dropped`. `mode` and the other Problem columns pass
through unchanged. A row that is not a Problem is dropped ("normalize: not a problem", the detail
naming the field); a problem left with no reference is kept (verify drops it if nothing passes).
"""

from __future__ import annotations

from pydantic import Field

from pysynth.microcoder.normalize import (
    DEFAULT_LANGUAGES,
    DEFAULT_MAX_REFERENCES,
    DEFAULT_MAX_TESTS,
    normalize_problem,
)
from pysynth.problems.languages import Language
from pysynth.problems.rows import RowError, problem_from_row
from pysynth.steps.base import Dropped, Row, RowResult, RowStep

NOT_A_PROBLEM = "normalize: not a problem"


class Normalize(RowStep):
    """One prompt shape for stdin and call problems, tests capped per problem, references kept per language."""

    max_tests: int = Field(
        default=DEFAULT_MAX_TESTS, ge=1,
        description="Tests kept per problem: public ones first, the rest spread over input sizes (default ours; "
                    "the paper caps tests without a number).")
    languages: list[Language] = Field(
        default=list(DEFAULT_LANGUAGES), min_length=1,
        description="Languages whose reference solutions are kept (default ours: python, cpp); call-mode "
                    "problems keep Python ones only.")
    max_references: int = Field(
        default=DEFAULT_MAX_REFERENCES, ge=1,
        description="Reference solutions kept per language, the first in dataset order (default ours).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["id", "source", "statement", "mode", "tests"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["prompt", "format_instruction", "tests", "tests_dropped", "solutions", "incorrect_solutions",
                "references_dropped"]

    def transform(self, row: Row) -> RowResult:
        try:
            problem = problem_from_row(row)
        except RowError as error:
            return Dropped(NOT_A_PROBLEM, str(error))
        done = normalize_problem(problem, max_tests=self.max_tests, languages=self.languages,
                                 max_references=self.max_references)
        kept = done.problem.model_dump(mode="json", include={"tests", "solutions", "incorrect_solutions"})
        return {**row, **kept, "prompt": done.prompt, "format_instruction": done.format_instruction,
                "tests_dropped": done.tests_dropped, "references_dropped": done.references_dropped}
