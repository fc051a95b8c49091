"""Drop near-duplicate rows (MinHash + LSH, pysynth's Rust dedup) across the whole dataset."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from typing import TYPE_CHECKING, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field

from pysynth.dedup import DedupConfig, dedup
from pysynth.steps.base import Dropped, Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput


class NearDedup(GlobalStep):
    """Keeps the first row of each near-duplicate cluster of `column` (Jaccard >= `threshold`)."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("`column`", "the input's (near duplicates dropped)")

    column: str = Field(description="Text column compared.")
    threshold: float = Field(default=0.8, gt=0, lt=1)
    num_perm: int = Field(default=128, ge=16)
    ngram: int = Field(default=5, ge=1)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return []

    def select(self, rows: list[Row]) -> list[Row | Dropped]:
        """One entry per input row: the row, or why it was dropped (pysynth's executor calls this)."""
        texts = [str(row.get(self.column) or "") for row in rows]
        config = DedupConfig.build(threshold=self.threshold, num_perm=self.num_perm, ngram=self.ngram)
        result = dedup(texts, config)
        return [
            row if keep else Dropped("near duplicate")
            for row, keep in zip(rows, result.keep, strict=True)
        ]

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield [row for row in self.select(list(inputs)) if not isinstance(row, Dropped)]
