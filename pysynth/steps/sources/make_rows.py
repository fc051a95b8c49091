"""Rows made from templates: `count` rows whose columns are format strings over the row index `i`.

For smoke tests, benchmarks and pipelines that start from nothing (e.g. "write N problems").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from distilabel.steps import GeneratorStep
from pydantic import Field

if TYPE_CHECKING:
    from distilabel.typing import GeneratorStepOutput


class MakeRows(GeneratorStep):
    """`count` rows; each column is `template.format(i=index)`."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("-", "the keys of `columns`")

    count: int = Field(ge=0, description="How many rows.")
    columns: dict[str, str] = Field(
        default_factory=lambda: {"text": "row {i}"}, description="column -> template over {i}."
    )

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return list(self.columns)

    def expected_rows(self) -> int:
        return self.count

    def process(self, offset: int = 0) -> GeneratorStepOutput:  # type: ignore[override]
        start = offset
        while start < self.count:
            end = min(start + self.batch_size, self.count)
            batch = [{name: template.format(i=i) for name, template in self.columns.items()} for i in range(start, end)]
            yield batch, end >= self.count
            start = end
        if self.count <= offset:
            yield [], True
