"""Seed problems from any table: statement, id and a difficulty label mapped to QueST's 1-5 levels."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from pysynth.errors import InputError
from pysynth.quest.seeds import SeedColumns, seed_from_row
from pysynth.runtime.frames import ROW_ID
from pysynth.steps.base import Row, RowResult, RowStep


class QuestSeedRows(RowStep):
    """Reads `statement_column` (and `id_column`, `difficulty_column`) into seed_id, statement,
    difficulty (1-5 or null). `scale: rating` maps Codeforces ratings, `taco` TACO's labels, `pass_rate` a solver's pass
    rate (harder as fewer pass; see `pysynth.quest.seeds`)."""

    statement_column: str = Field(default="statement", description="Column holding the problem statement.")
    id_column: str | None = Field(default="id", description="Column holding an id; null (or an empty value): "
                                  "`<source>-<row id>`.")
    difficulty_column: str | None = Field(default="difficulty", description="Column holding the label; null: none.")
    scale: Literal["level", "rating", "taco", "pass_rate"] = Field(
        default="level", description="What the label column holds: a 1-5 level, a Codeforces rating, a TACO label, "
                                     "or a pass rate in [0, 1] (MicroCoder's calibrated_pass_rate).")
    source: str = Field(default="pysynth-seeds", description="Written to each seed's `source`.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.statement_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["seed_id", "statement", "difficulty", "source"]

    @cached_property
    def _columns(self) -> SeedColumns:
        return SeedColumns(statement=self.statement_column, id=self.id_column, difficulty=self.difficulty_column,
                           scale=self.scale, source=self.source)

    def transform(self, row: Row) -> RowResult:
        # The row id, not a count of the rows seen: the same under any thread order and after a resume.
        row_id = row.get(ROW_ID)
        if row_id is None:
            raise InputError(f"a row without {ROW_ID}: seed ids are made from pysynth's row ids (run the step in "
                             "a pysynth pipeline)")
        seed = seed_from_row(row, self._columns, str(row_id))  # an InputError fails this row, naming it
        return {**row, "seed_id": seed.id, "statement": seed.statement, "difficulty": seed.difficulty,
                "source": seed.source}
