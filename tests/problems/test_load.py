"""load_problems over every container: JSON lines, a JSON array, Parquet, saved Hugging Face datasets,
and the one error a file that cannot be read raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pysynth.errors import InputError
from pysynth.problems import FORMATS, Problem, iter_problems, load_problems
from pysynth.problems import load as load_module
from tests.problems.support import FIXTURES, assert_drops, load_fixture


def fixture_rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("format", ["taco", "code_contests"])
def test_a_parquet_file_gives_the_same_problems_as_its_json_lines(tmp_path: Path, format: str) -> None:
    path = tmp_path / f"{format}.parquet"
    pl.read_ndjson(FIXTURES / f"{format}.jsonl").write_parquet(path)
    from_parquet = load_problems(path, format)
    assert from_parquet.dropped == ()
    assert from_parquet.problems == load_fixture(f"{format}.jsonl", format).problems


def test_parquet_rows_are_read_in_slices_with_their_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pysynth.problems.records.PARQUET_SLICE_ROWS", 2)
    path = tmp_path / "malformed.parquet"
    rows = fixture_rows("malformed_apps.jsonl")
    pl.DataFrame([rows[0], rows[1], rows[3], rows[0]]).write_parquet(path)  # the rows whose columns agree in type
    assert_drops(load_problems(path, "apps"), [(1, "solutions"), (2, "input_output")], kept=2)


def test_a_saved_dataset_directory_is_read(tmp_path: Path) -> None:
    import datasets  # the train extra, which scripts/test.sh installs
    datasets.Dataset.from_list(fixture_rows("code_contests.jsonl")).save_to_disk(tmp_path / "cc")
    problems = load_problems(tmp_path / "cc", "code_contests")
    assert problems.dropped == ()
    assert problems.problems == load_fixture("code_contests.jsonl", "code_contests").problems


def test_a_saved_dataset_dict_names_rows_by_split(tmp_path: Path) -> None:
    import datasets  # the train extra, which scripts/test.sh installs
    good, *broken = fixture_rows("malformed_livecodebench.jsonl")[:3]
    datasets.DatasetDict({"test": datasets.Dataset.from_list([good, *broken]),
                          "extra": datasets.Dataset.from_list([good])}).save_to_disk(tmp_path / "lcb")
    problems = load_problems(tmp_path / "lcb", "livecodebench")
    assert len(problems.problems) == 2
    assert [(dropped.row, dropped.field) for dropped in problems.dropped] == [
        ("test/1", "private_test_cases"), ("test/2", "private_test_cases")]
    assert problems.dropped[0].reason.startswith("row test/1: private_test_cases: ")


def test_a_json_file_may_hold_one_array_of_rows(tmp_path: Path) -> None:
    path = tmp_path / "apps.json"
    path.write_text(json.dumps(fixture_rows("apps.jsonl") + [[1, 2]]))
    problems = load_problems(path, "apps")
    assert [problem.id for problem in problems.problems] == ["4001", "4002"]
    assert [(dropped.row, dropped.field) for dropped in problems.dropped] == [(2, "(row)")]


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "taco.jsonl"
    path.write_text("\n" + "\n\n".join(json.dumps(row) for row in fixture_rows("taco.jsonl")) + "\n\n")
    assert [problem.id for problem in load_problems(path, "taco").problems] == ["taco-0", "taco-1", "taco-2"]


def test_iter_problems_streams_problems_and_drops_in_file_order() -> None:
    kinds = [type(item).__name__ for item in iter_problems(FIXTURES / "malformed_apps.jsonl", "apps")]
    assert kinds == ["Problem", "Dropped", "Dropped", "Dropped", "Dropped"]


def test_a_row_failing_in_an_unforeseen_way_is_dropped_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def fragile(record: dict[str, Any], row: int | str) -> Problem:
        raise TypeError("a shape nobody checked")

    monkeypatch.setitem(load_module.READERS, "jsonl", fragile)
    problems = load_problems(FIXTURES / "jsonl.jsonl", "jsonl")
    assert problems.problems == ()
    assert [dropped.reason for dropped in problems.dropped] == [
        "row 0: cannot be read (TypeError: a shape nobody checked)",
        "row 1: cannot be read (TypeError: a shape nobody checked)"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda directory: directory / "absent.jsonl", r"absent\.jsonl: no such file or directory"),
    (lambda directory: directory, r"not a dataset saved with save_to_disk"),
    (lambda directory: write(directory / "rows.csv", "a,b\n"), r"rows\.csv: unsupported file type '\.csv'"),
    (lambda directory: write(directory / "bad.parquet", "not parquet"), r"bad\.parquet: cannot read as Parquet"),
    (lambda directory: write(directory / "bad.json", "[{"), r"bad\.json: starts like a JSON array"),
])
def test_a_file_that_cannot_be_read_raises_one_error_naming_it(tmp_path: Path, make: Any, message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(InputError, match=message):
        load_problems(path, "taco")


def test_an_unknown_format_raises_naming_the_file_and_the_formats() -> None:
    with pytest.raises(InputError, match=r"taco\.jsonl: unknown problem format 'tacos'; use one of taco, apps"):
        load_problems(FIXTURES / "taco.jsonl", "tacos")
    assert set(FORMATS) == {"taco", "apps", "code_contests", "livecodebench", "jsonl"}


def write(path: Path, content: str) -> Path:
    path.write_text(content)
    return path
