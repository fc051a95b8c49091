"""pysynth.tables: format detection, readable errors, atomic writes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pysynth import InputError
from pysynth.tables import read_table, text_column, write_table


@pytest.mark.parametrize("name", ["rows.parquet", "rows.jsonl"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    table = pl.DataFrame({"text": ["a", "b"], "n": [1, 2]})
    write_table(table, tmp_path / "nested" / name)
    assert read_table(tmp_path / "nested" / name).equals(table)
    assert sorted(p.name for p in (tmp_path / "nested").iterdir()) == [name]  # no temporary left


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.parquet: no such file"):
        read_table(tmp_path / "missing.parquet")
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match=r"garbage\.parquet: cannot read as parquet"):
        read_table(garbage)
    with pytest.raises(InputError, match="unknown table format '.csv'"):
        read_table(tmp_path / "rows.csv")


def test_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    write_table(pl.DataFrame({"text": ["old"]}), target)
    unwritable = pl.DataFrame({"obj": pl.Series([object()], dtype=pl.Object)})
    with pytest.raises(Exception):
        write_table(unwritable, target)
    assert read_table(target)["text"].to_list() == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]


def test_text_column_checks_name_and_type() -> None:
    table = pl.DataFrame({"text": ["a"], "n": [1]})
    assert text_column(table, "text", "f.jsonl").to_list() == ["a"]
    with pytest.raises(InputError, match=r"f\.jsonl: no column 'body' \(columns: text, n\)"):
        text_column(table, "body", "f.jsonl")
    with pytest.raises(InputError, match="column 'n' holds Int64, not text"):
        text_column(table, "n", "f.jsonl")
