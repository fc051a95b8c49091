"""Stream rows from a JSONL or Parquet file, one batch at a time (memory stays flat)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow.parquet as pq
from distilabel.steps import GeneratorStep
from pydantic import Field

from pysynth.errors import InputError
from pysynth.tables import JSONL_SUFFIXES, PARQUET_SUFFIXES, iter_jsonl_objects

if TYPE_CHECKING:
    from distilabel.typing import GeneratorStepOutput



class LoadFile(GeneratorStep):
    """Rows of a `.jsonl`/`.ndjson` or `.parquet` file; `columns` selects, `limit` caps the count."""

    # What `pysynth steps` shows: the columns depend on the parameters.
    columns_help: ClassVar[tuple[str, str]] = ("-", "the file's columns (or `columns`)")

    path: str = Field(description="File to read; relative paths are relative to the pipeline file.")
    columns: list[str] | None = Field(default=None, description="Keep only these columns.")
    limit: int | None = Field(default=None, ge=0, description="Read at most this many rows.")

    # Files the step reads (`pysynth.steps.base.path_params`): resolved, checked and hashed by content.
    path_params: ClassVar[tuple[str, ...]] = ("path",)

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return self.columns if self.columns is not None else peek_columns(Path(self.path))

    def expected_rows(self) -> int:
        """Row count for the progress view's ETA (Parquet metadata, or newlines of a JSONL file)."""
        path = Path(self.path)
        if path.suffix.lower() in PARQUET_SUFFIXES:
            total = pq.ParquetFile(path).metadata.num_rows
        else:
            with path.open("rb") as handle:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return min(total, self.limit) if self.limit is not None else int(total)

    def process(self, offset: int = 0) -> GeneratorStepOutput:  # type: ignore[override]
        # The last batch is flagged on the last rows, never as an extra empty batch: distilabel's
        # runner waits forever for the end of a step whose final batch was empty.
        rows = iter_rows(Path(self.path))
        if self.limit is not None:
            rows = itertools.islice(rows, self.limit)
        rows = itertools.islice(rows, offset, None)
        if self.columns:
            rows = ({name: row.get(name) for name in self.columns} for row in rows)
        batch = list(itertools.islice(rows, self.batch_size))
        while True:
            following = list(itertools.islice(rows, self.batch_size))
            yield batch, not following
            if not following:
                return
            batch = following


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl_rows(path)
    elif suffix in PARQUET_SUFFIXES:
        yield from _parquet_rows(path)
    else:
        raise InputError(f"{path}: unsupported file type '{suffix}' (use .jsonl, .ndjson or .parquet)")


def peek_columns(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return list(pq.read_schema(path).names)
    seen: dict[str, None] = {}
    for count, row in enumerate(iter_rows(path)):
        seen.update(dict.fromkeys(row))
        if count >= 100:
            break
    return list(seen)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    for _, row in iter_jsonl_objects(path):
        yield row


def _parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several unrelated types for unreadable files
        raise InputError(f"{path}: cannot read Parquet: {exc}") from None
    for record_batch in parquet.iter_batches(batch_size=4096):
        yield from record_batch.to_pylist()
