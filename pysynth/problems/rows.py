"""Reading the fields of one dataset row: what a malformed field raises, and what the row becomes.

A reader takes a row's fields one by one with these helpers; the first bad field raises `RowError`,
which the loader turns into a `Dropped` record, so one broken row never stops a load.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pysynth.problems.model import Problem

Record = Mapping[str, Any]
RowKey = int | str
"""Where a row is: its index among the file's rows, from 0, or `split/index` in a Hugging Face
`DatasetDict` (see `records.py`)."""

WHOLE_ROW = "(row)"
"""The `field` of a row that is unusable as a whole (not a JSON object, say)."""


@dataclass(frozen=True)
class Dropped:
    """A row left out of a load: `reason` says which row and field, and what is wrong with it."""

    row: RowKey
    field: str
    reason: str


class RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def dropped(self, row: RowKey) -> Dropped:
        where = f"row {row}" if self.field == WHOLE_ROW else f"row {row}: {self.field}"
        return Dropped(row, self.field, f"{where}: {self.message}")


def text(record: Record, field: str, *, required: bool = False) -> str | None:
    """A text field; None (or, when `required`, an error) for a missing, null or blank one."""
    value = record.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RowError(field, "missing or empty")
        return None
    if not isinstance(value, str):
        raise RowError(field, f"expected text, got {type(value).__name__}")
    return value


def identifier(record: Record, fields: tuple[str, ...], fallback: str) -> str:
    """The first present id field as text (numbers too), or `fallback`."""
    for field in fields:
        value = record.get(field)
        if isinstance(value, bool):
            raise RowError(field, f"expected an id, got {value!r}")
        if isinstance(value, int | str) and str(value).strip():
            return str(value).strip()
    return fallback


def integer(record: Record, field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(field, f"expected an integer, got {value!r}")
    return value


def json_text(record: Record, field: str, *, required: bool = False) -> Any:
    """A field holding JSON text, parsed; a field that is already parsed is taken as is."""
    value = record.get(field)
    if not isinstance(value, str):
        if value is None and required:
            raise RowError(field, "missing")
        return value
    if not value.strip():
        if required:
            raise RowError(field, "empty")
        return None
    try:
        return json.loads(value)
    except ValueError as error:
        raise RowError(field, f"not valid JSON ({error})") from None


def text_list(value: object, field: str) -> list[str]:
    """A list of strings (None: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowError(field, f"expected a list, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise RowError(field, f"item {index} is {type(item).__name__}, not text")
    return value


_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|milliseconds?|ms)\b", re.IGNORECASE)
_BYTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(bytes?|b|kilobytes?|kb|kib|megabytes?|mb|mib|gigabytes?|gb|gib)\b",
                    re.IGNORECASE)
_BYTE_UNITS = {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_NO_VALUE = {"", "none", "null", "n/a", "unknown"}


def seconds_from_text(record: Record, field: str) -> float | None:
    """'1 second', '2.5 seconds', '500 ms' (trailing words such as 'per test' are ignored)."""
    measured = _amount_and_unit(record, field, _SECONDS, "a time (e.g. '2 seconds')")
    if measured is None:
        return None
    amount, unit = measured
    return amount / 1000 if unit.startswith("m") else amount


def bytes_from_text(record: Record, field: str) -> int | None:
    """'256 megabytes', '64 MB', '262144 kilobytes' (binary multiples, as judges mean them)."""
    measured = _amount_and_unit(record, field, _BYTES, "a memory size (e.g. '256 megabytes')")
    return None if measured is None else int(measured[0] * _BYTE_UNITS[measured[1][0]])


def _amount_and_unit(record: Record, field: str, pattern: re.Pattern[str], what: str) -> tuple[float, str] | None:
    """(positive amount, lower-case unit) of a field such as '2.5 seconds'; None when it has no value."""
    value = text(record, field)
    if value is None or value.strip().lower() in _NO_VALUE:
        return None
    match = pattern.match(value)
    if match is None or float(match.group(1)) <= 0:
        raise RowError(field, f"cannot read {value!r} as {what}")
    return float(match.group(1)), match.group(2).lower()


def date_from_text(record: Record, field: str) -> datetime.date | None:
    """An ISO date or date-time ('2023-05-14', '2023-05-14T12:30:00'); a date value as is."""
    value = record.get(field)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(record, field)
    if raw is None or raw.strip().lower() in _NO_VALUE:
        return None
    try:
        return datetime.datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        raise RowError(field, f"cannot read {raw!r} as an ISO date (e.g. '2023-05-14')") from None


def make_problem(values: dict[str, Any]) -> Problem:
    """`Problem(**values)`, or a `RowError` naming the first field the model rejects."""
    try:
        return Problem.model_validate(values)
    except ValidationError as error:
        raise validation_row_error(error) from None


def validation_row_error(error: ValidationError) -> RowError:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or WHOLE_ROW
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] != "value_error" and "input" in first:
        message = f"{message} (got {repr(first['input'])[:80]})"
    return RowError(field, message)


def problem_from_row(row: Record) -> Problem:
    """The `Problem` a pipeline row holds in its Problem columns (what `load_problems` emits; other
    columns are ignored, a null column takes the field's default), or a `RowError` naming the field."""
    return make_problem({name: row[name] for name in Problem.model_fields if row.get(name) is not None})
