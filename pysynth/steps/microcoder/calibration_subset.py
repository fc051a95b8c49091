"""MicroCoder's calibration subset: the problems whose pass rate is measured, chosen by hash."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
import hashlib
from typing import TYPE_CHECKING, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field

from pysynth.errors import InputError
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput

NOT_IN_SUBSET = "calibration: not in the calibration subset"


class CalibrationSubset(GlobalStep):
    """Keeps the `size` rows with the smallest SHA-256 of (`seed`, the `key_columns` values): the same
    problems for the same seed whatever the order rows arrive in, and a different sample per seed.
    The rest are dropped under `calibration: not in the calibration subset`; they are not lost
    when `microcoder_calibrate` also takes the predicted rows as an input (its docstring)."""

    # What `pysynth steps` shows: rows pass through, some dropped.
    columns_help: ClassVar[tuple[str, str]] = ("`key_columns`", "the input's (rows outside the subset dropped)")

    size: int = Field(default=200, ge=1, description="Problems measured (solved k times and judged). Default ours.")
    seed: int = Field(default=0, description="Which sample: another seed picks other problems.")
    key_columns: list[str] = Field(
        default_factory=lambda: ["source", "id"], min_length=1,
        description="Columns identifying a problem (a problem id is unique within its source only).")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return list(self.key_columns)

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the row when its hash is among the `size` smallest, else a drop."""
        hashes = [self._hash(row) for row in rows]
        # Equal keys tie on the hash: their position breaks the tie, the only use of order here.
        chosen = set(sorted(range(len(rows)), key=lambda index: (hashes[index], index))[:self.size])
        return [row if index in chosen else Dropped(NOT_IN_SUBSET) for index, row in enumerate(rows)]

    def _hash(self, row: Row) -> bytes:
        values = []
        for column in self.key_columns:
            value = row.get(column)
            if value is None:
                raise InputError(f"calibration_subset: row {row.get('_row_id', '?')}: column '{column}' is missing "
                                 "or null; key_columns must identify every problem")
            values.append(str(value))
        # The values are length-prefixed so ("a b", "c") and ("a", "b c") never hash alike.
        text = f"{self.seed}|" + "|".join(f"{len(value)}:{value}" for value in values)
        return hashlib.sha256(text.encode()).digest()

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]
