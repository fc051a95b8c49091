"""Rows (list of dicts, what distilabel steps take) <-> polars frames (what checkpoints hold).

Every row carries a stable id in `ROW_ID`: sources number their rows, a row's outputs keep its id
(or get `<id>.<k>` when one row yields several). Ids are what resume and joins key on.
Rows with different keys in one batch keep all columns (missing values are null): distilabel
drops such columns silently, we do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pysynth.errors import PipelineRunError

if TYPE_CHECKING:  # steps import `ROW_ID` from here; compiling a pipeline must not load polars
    import polars as pl

ROW_ID = "_row_id"
Row = dict[str, Any]


def rows_to_frame(rows: list[Row], *, step: str) -> pl.DataFrame:
    import polars as pl

    if not rows:
        return pl.DataFrame(schema={ROW_ID: pl.String})
    try:
        return pl.from_dicts(rows, infer_schema_length=None)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise PipelineRunError(f"step '{step}': its rows cannot be stored as a table: {_offending(rows, exc)}") from None


def frame_to_rows(frame: pl.DataFrame) -> list[Row]:
    return frame.to_dicts()


def child_ids(parent_id: str, count: int) -> list[str]:
    """Ids of the outputs of one row: the parent's own id when there is one output."""
    return [parent_id] if count == 1 else [f"{parent_id}.{k}" for k in range(count)]


def _offending(rows: list[Row], exc: Exception) -> str:
    """Names the column whose values mix types, so the user can fix the step."""
    kinds: dict[str, dict[str, str]] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                kinds.setdefault(key, {}).setdefault(type(value).__name__, str(row.get(ROW_ID)))
    for key, seen in kinds.items():
        if len(seen) > 1:
            shown = ", ".join(f"{kind} (row {row_id})" for kind, row_id in seen.items())
            return f"column '{key}' mixes types: {shown}"
    return str(exc).splitlines()[0]
