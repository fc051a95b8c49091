"""Training rows from a JSONL or Parquet file, checked before any model is loaded.

Two SFT layouts, both trl's conversational formats, where a message is `{"role": ..., "content": ...}`:
  - `messages`: a whole conversation; the loss is on the assistant turns.
  - `prompt` + `completion`: the loss is on the completion (assistant messages) only.
(Bare questions, the third SFT format, are read by `pysynth.train.questions`.) DPO pairs are trl's
standard preference format: text columns `prompt`, `chosen`, `rejected` (`load_preference_data`).
Every mistake is reported as `file: line N: field: problem` in JSONL (`row N`, from 1, in Parquet).
Other columns are ignored, and so are message keys other than role and content.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pysynth.errors import InputError
from pysynth.tables import JSONL_SUFFIXES, iter_jsonl_objects, read_table

ROLES = ("system", "user", "assistant")
Message = dict[str, str]


class SFTFormat(enum.Enum):
    MESSAGES = "messages"
    PROMPT_COMPLETION = "prompt_completion"
    QUESTIONS = "questions"


@dataclass(frozen=True)
class SFTData:
    path: Path
    format: SFTFormat
    rows: list[dict[str, list[Message]]]  # only the format's columns, messages reduced to role + content

    def __len__(self) -> int:
        return len(self.rows)


def load_sft_data(path: str | Path) -> SFTData:
    """Read and validate the rows of `path`; raises `InputError` at the first bad row."""
    path = Path(path)
    columns, records = read_records(path)
    has_pair = "prompt" in columns and "completion" in columns
    if "messages" in columns and has_pair:
        raise InputError(f"{path}: has both `messages` and `prompt`/`completion` columns; keep one layout")
    fields: tuple[str, ...]
    if "messages" in columns:
        layout, fields = SFTFormat.MESSAGES, ("messages",)
    elif has_pair:
        layout, fields = SFTFormat.PROMPT_COMPLETION, ("prompt", "completion")
    else:
        available = ", ".join(columns) or "none"
        raise InputError(f"{path}: needs a `messages` column, or `prompt` and `completion` columns "
                         f"(columns: {available})")
    if not records:
        raise InputError(f"{path}: has no rows")
    rows = []
    for label, record in records:
        where = f"{path}: {label}"
        row = {name: _messages(record.get(name), f"{where}: {name}") for name in fields}
        _check_roles(row, layout, where)
        rows.append(row)
    return SFTData(path=path, format=layout, rows=rows)


@dataclass(frozen=True)
class PreferenceData:
    path: Path
    rows: list[dict[str, str]]  # prompt, chosen, rejected; other columns dropped

    def __len__(self) -> int:
        return len(self.rows)


PREFERENCE_COLUMNS = ("prompt", "chosen", "rejected")


def load_preference_data(path: str | Path) -> PreferenceData:
    """Read and validate DPO pairs; raises `InputError` at the first bad row. The prompt is kept as it is
    (a pre-query template ends in a newline or a space that matters); chosen and rejected must be non-blank
    and differ, or the pair teaches nothing."""
    path = Path(path)
    columns, records = read_records(path)
    missing = [name for name in PREFERENCE_COLUMNS if name not in columns]
    if missing:
        raise InputError(f"{path}: needs text columns prompt, chosen and rejected; missing "
                         f"{', '.join(missing)} (columns: {', '.join(columns) or 'none'})")
    if not records:
        raise InputError(f"{path}: has no rows")
    rows = []
    for label, record in records:
        where = f"{path}: {label}"
        row = {}
        for name in PREFERENCE_COLUMNS:
            value = record.get(name)
            if not isinstance(value, str):
                shown = "missing" if value is None else f"got {type(value).__name__}"
                raise InputError(f"{where}: {name}: must be text ({shown})")
            if name != "prompt" and not value.strip():
                raise InputError(f"{where}: {name}: is empty")
            row[name] = value
        if row["chosen"].strip() == row["rejected"].strip():
            raise InputError(f"{where}: rejected: is the same text as chosen")
        rows.append(row)
    return PreferenceData(path=path, rows=rows)


def read_records(path: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Column names and (where, row) pairs: `line N` in JSONL, `row N` in Parquet."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        # Parsed as JSON rather than by polars, which would turn `"content": 7` into the text "7".
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        records = [(f"line {number}", row) for number, row in iter_jsonl_objects(path)]
        return list(dict.fromkeys(key for _, row in records for key in row)), records
    table = read_table(path)
    return table.columns, [(f"row {number}", row) for number, row in enumerate(table.iter_rows(named=True), 1)]


def _messages(value: Any, where: str) -> list[Message]:
    if isinstance(value, str):
        # polars reads a JSONL column whose rows disagree in type as JSON text; Parquet files may store it so.
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError(f"{where}: must be a list of {{role, content}} messages, got a string") from None
    if value is None:
        raise InputError(f"{where}: missing")
    if not isinstance(value, list):
        raise InputError(f"{where}: must be a list of {{role, content}} messages, got {type(value).__name__}")
    if not value:
        raise InputError(f"{where}: must not be empty")
    messages = []
    for index, message in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(message, dict):
            raise InputError(f"{at}: must be a {{role, content}} mapping, got {type(message).__name__}")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            shown = "missing" if role is None else repr(role)
            raise InputError(f"{at}.role: must be one of {', '.join(ROLES)} (got {shown})")
        if not isinstance(content, str):
            shown = "missing" if content is None else type(content).__name__
            raise InputError(f"{at}.content: must be text (got {shown})")
        if not content.strip():
            raise InputError(f"{at}.content: is empty")
        messages.append({"role": role, "content": content})
    return messages


def _check_roles(row: dict[str, list[Message]], layout: SFTFormat, where: str) -> None:
    if layout is SFTFormat.MESSAGES:
        if not any(message["role"] == "assistant" for message in row["messages"]):
            raise InputError(f"{where}: messages: has no assistant message to learn from")
        return
    if row["prompt"][-1]["role"] != "user":
        raise InputError(f"{where}: prompt[{len(row['prompt']) - 1}].role: the prompt must end with a user "
                         f"message (got {row['prompt'][-1]['role']!r})")
    for index, message in enumerate(row["completion"]):
        if message["role"] != "assistant":
            raise InputError(f"{where}: completion[{index}].role: completion messages must be from the "
                             f"assistant (got {message['role']!r})")
