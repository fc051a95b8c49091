"""Loading SFT rows: both layouts, from JSONL and Parquet, and an error naming file, row and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pysynth.errors import InputError
from pysynth.train import SFTFormat, load_sft_data
from tests.train.tiny import messages_rows, prompt_completion_rows, write_jsonl

USER = {"role": "user", "content": "what is one plus one"}
ASSISTANT = {"role": "assistant", "content": "two"}


def test_messages_jsonl_keeps_role_and_content_only(tmp_path: Path) -> None:
    rows = messages_rows(5)
    rows[0]["messages"][1]["name"] = "extra key"
    data = load_sft_data(write_jsonl(tmp_path / "rows.jsonl", rows))
    assert data.format is SFTFormat.MESSAGES and len(data) == 5
    expected = [{"messages": [{"role": m["role"], "content": m["content"]} for m in row["messages"]]}
                for row in rows]
    assert data.rows == expected


def test_prompt_completion_parquet(tmp_path: Path) -> None:
    rows = prompt_completion_rows(4)
    path = tmp_path / "rows.parquet"
    pl.DataFrame(rows).write_parquet(path)
    data = load_sft_data(path)
    assert data.format is SFTFormat.PROMPT_COMPLETION
    assert data.rows == rows


def test_messages_stored_as_json_text_are_read(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pl.DataFrame({"messages": [json.dumps([USER, ASSISTANT])]}).write_parquet(path)
    assert load_sft_data(path).rows == [{"messages": [USER, ASSISTANT]}]


def _error(tmp_path: Path, rows: list[dict[str, Any]]) -> str:
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(InputError) as caught:
        load_sft_data(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        ({"messages": [USER, {"role": "bot", "content": "hi"}]},
         "line 3: messages[1].role: must be one of system, user, assistant (got 'bot')"),
        ({"messages": [USER, {"role": "assistant", "content": "  "}]}, "line 3: messages[1].content: is empty"),
        ({"messages": [USER, {"role": "assistant"}]}, "line 3: messages[1].content: must be text (got missing)"),
        ({"messages": [USER, {"role": "assistant", "content": 7}]}, "line 3: messages[1].content: must be text (got int)"),
        ({"messages": []}, "line 3: messages: must not be empty"),
        ({"messages": "hello"}, "line 3: messages: must be a list of {role, content} messages, got a string"),
        ({"messages": [USER]}, "line 3: messages: has no assistant message to learn from"),
        ({"other": 1}, "line 3: messages: missing"),
    ],
)
def test_bad_messages_row_is_named(tmp_path: Path, bad_row: dict[str, Any], expected: str) -> None:
    good = {"messages": [USER, ASSISTANT]}
    assert _error(tmp_path, [good, good, bad_row, good]) == expected


def test_bad_prompt_completion_rows_are_named(tmp_path: Path) -> None:
    good = {"prompt": [USER], "completion": [ASSISTANT]}
    assert _error(tmp_path, [good, {"prompt": [USER], "completion": [USER]}]) == (
        "line 2: completion[0].role: completion messages must be from the assistant (got 'user')")
    assert _error(tmp_path, [{"prompt": [USER, ASSISTANT], "completion": [ASSISTANT]}]) == (
        "line 1: prompt[1].role: the prompt must end with a user message (got 'assistant')")


def test_wrong_columns_and_empty_files(tmp_path: Path) -> None:
    assert _error(tmp_path, [{"text": "x"}]) == (
        "needs a `messages` column, or `prompt` and `completion` columns (columns: text)")
    assert _error(tmp_path, [{"messages": [USER, ASSISTANT], "prompt": [USER], "completion": [ASSISTANT]}]) == (
        "has both `messages` and `prompt`/`completion` columns; keep one layout")
    empty = tmp_path / "empty.parquet"
    pl.DataFrame({"messages": []}, schema={"messages": pl.List(pl.Struct({"role": pl.String, "content": pl.String}))}
                 ).write_parquet(empty)
    with pytest.raises(InputError, match=f"^{empty}: has no rows$"):
        load_sft_data(empty)
    with pytest.raises(InputError, match="no such file"):
        load_sft_data(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match=r"^\S+/plain.txt: unknown table format '.txt'"):
        load_sft_data(tmp_path / "plain.txt")


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pl.DataFrame({"messages": [[USER, ASSISTANT], [USER, {"role": "assistant", "content": ""}]]}).write_parquet(path)
    with pytest.raises(InputError) as caught:
        load_sft_data(path)
    assert str(caught.value) == f"{path}: row 2: messages[1].content: is empty"


def test_blank_lines_do_not_shift_jsonl_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    good, bad = json.dumps({"messages": [USER, ASSISTANT]}), json.dumps({"messages": [USER]})
    path.write_text(f"{good}\n\n{good}\n{bad}\n")
    with pytest.raises(InputError, match=r": line 4: messages: has no assistant message"):
        load_sft_data(path)
