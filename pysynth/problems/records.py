"""The rows of a problem file, whatever holds them, streamed one at a time.

- `.jsonl` / `.ndjson` / `.json`: one JSON object a line (blank lines are skipped), or, in a
  `.json` file, one JSON array of objects.
- `.parquet` / `.pq`: read with polars in slices.
- a directory: a Hugging Face dataset saved with `save_to_disk` (needs the `datasets` package).

A row is named by its index among the file's rows, from 0, in every format (`split/index` for a
`DatasetDict`), so ids made from it (TACO's `taco-<row>`) survive converting a file to another.

A line that is not a JSON object yields a `RowError` for that row; a file that cannot be opened or
read at all raises one `InputError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from pysynth.errors import InputError
from pysynth.problems.rows import WHOLE_ROW, Record, RowError, RowKey
from pysynth.tables import JSONL_SUFFIXES, PARQUET_SUFFIXES

JSON_LINES_SUFFIXES = (*JSONL_SUFFIXES, ".json")
PARQUET_SLICE_ROWS = 1024
"""Rows read from a Parquet file at a time: memory stays flat on TACO's multi-gigabyte shards."""

RecordOrError = tuple[RowKey, Record | RowError]


def iter_records(path: Path) -> Iterator[RecordOrError]:
    if path.is_dir():
        yield from _dataset_records(path)
        return
    if not path.is_file():
        raise InputError(f"{path}: no such file or directory")
    suffix = path.suffix.lower()
    read = _READERS_BY_SUFFIX.get(suffix)
    if read is None:
        raise InputError(f"{path}: unsupported file type {suffix!r} (use .jsonl, .json, .parquet, or a directory "
                         "saved by datasets' save_to_disk)")
    yield from read(path)


def count_records(path: Path) -> int:
    """How many rows `iter_records` will yield (cheap: metadata, or newlines)."""
    if path.is_dir():
        return sum(len(rows) for rows in _load_splits(path).values())
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return int(_parquet_scan(path, lambda scan: scan.select(pl.len()).collect().item()))
    with _open(path) as handle:
        return sum(1 for line in handle if line.strip())


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None


def _json_records(path: Path) -> Iterator[RecordOrError]:
    with _open(path) as handle:
        first = handle.read(64).lstrip()
        handle.seek(0)
        if first.startswith(b"["):
            yield from _json_array_records(path, handle.read())
            return
        lines = (line for line in handle if line.strip())
        for index, line in enumerate(lines):
            yield index, _json_object(line)


def _json_array_records(path: Path, content: bytes) -> Iterator[RecordOrError]:
    try:
        items = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise InputError(f"{path}: starts like a JSON array but is not valid JSON ({error})") from None
    for index, item in enumerate(items):
        yield index, item if isinstance(item, dict) else _not_an_object(item)


def _json_object(line: bytes) -> Record | RowError:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        return RowError(WHOLE_ROW, f"not valid JSON ({error})")
    return value if isinstance(value, dict) else _not_an_object(value)


def _not_an_object(value: object) -> RowError:
    return RowError(WHOLE_ROW, f"expected a JSON object, got {type(value).__name__}")


def _parquet_scan(path: Path, read: Any) -> Any:
    try:
        return read(pl.scan_parquet(path))
    except Exception as error:  # noqa: BLE001 - polars raises several unrelated types for corrupt input
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path}: cannot read as Parquet: {first_line}") from None


def _parquet_records(path: Path) -> Iterator[RecordOrError]:
    total = count_records(path)
    for start in range(0, total, PARQUET_SLICE_ROWS):
        for offset, row in enumerate(_parquet_slice(path, start)):
            yield start + offset, row


def _parquet_slice(path: Path, start: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _parquet_scan(
        path, lambda scan: scan.slice(start, PARQUET_SLICE_ROWS).collect().to_dicts())
    return rows


_READERS_BY_SUFFIX: dict[str, Callable[[Path], Iterator[RecordOrError]]] = {
    **dict.fromkeys(JSON_LINES_SUFFIXES, _json_records),
    **dict.fromkeys(PARQUET_SUFFIXES, _parquet_records),
}


def _load_splits(path: Path) -> dict[str, Any]:
    """split name -> `datasets.Dataset`; a saved `Dataset` is the one split ''."""
    try:
        import datasets  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(f"{path}: a directory is read as a Hugging Face dataset saved with save_to_disk, "
                         "which needs the `datasets` package (pip install datasets)") from None
    try:
        loaded = datasets.load_from_disk(str(path))
    except Exception as error:  # noqa: BLE001 - datasets raises FileNotFoundError, ValueError, arrow errors
        raise InputError(f"{path}: not a dataset saved with save_to_disk ({type(error).__name__}: {error})") from None
    return dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"": loaded}


def _dataset_records(path: Path) -> Iterator[RecordOrError]:
    for split, rows in _load_splits(path).items():
        for index, row in enumerate(rows):
            yield (f"{split}/{index}" if split else index), row
