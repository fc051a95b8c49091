"""The `pysynth` command line, run as a real subprocess."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import pysynth
import pysynth.tables

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "pipelines" / "data" / "dedup_demo.jsonl"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pysynth.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_help_and_version() -> None:
    help_text = run("--help")
    assert help_text.returncode == 0 and "dedup" in help_text.stdout
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"pysynth {pysynth.__version__}"


@pytest.mark.parametrize("output_name", ["kept.parquet", "kept.jsonl"])
def test_dedup_demo_corpus(tmp_path: Path, output_name: str) -> None:
    before = digest(DEMO)
    output = tmp_path / output_name
    result = run("dedup", DEMO, "--column", "text", "--ngram", "3", "--threshold", "0.7", "--output", output)
    assert result.returncode == 0, result.stderr
    assert "kept 18 of 25 rows, dropped 7 near-duplicates" in result.stdout
    kept = pysynth.tables.read_table(output)
    sources = kept["source"].to_list()
    assert all(s in ("original", "related but different from 0", "empty text") for s in sources)
    assert kept["cluster_id"].to_list() == kept["id"].to_list()  # every kept row leads its cluster
    assert digest(DEMO) == before


def test_parquet_input(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pl.DataFrame({"body": ["one two three four five six", "One two three four five six!", "other"]}).write_parquet(source)
    result = run("dedup", source, "--column", "body", "--output", tmp_path / "out.jsonl", "--scheme", "datasketch")
    assert result.returncode == 0, result.stderr
    assert pl.read_ndjson(tmp_path / "out.jsonl")["cluster_id"].to_list() == [0, 2]


@pytest.mark.parametrize(
    ("make_input", "extra", "message"),
    [
        (lambda d: DEMO, ["--column", "body"], "no column 'body' (columns: id, source, text)"),
        (lambda d: d / "absent.jsonl", [], "absent.jsonl: no such file"),
        (lambda d: (d / "bad.parquet").write_bytes(b"\x00garbage") and d / "bad.parquet", [], "cannot read as parquet"),
        (lambda d: DEMO, ["--threshold", "1.5"], "threshold: Input should be less than 1"),
        (lambda d: DEMO, ["--threshold", "0"], "threshold: Input should be greater than 0"),
        (lambda d: DEMO, ["--column", "id"], "column 'id' holds Int64, not text"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(tmp_path: Path, make_input, extra: list[str], message: str) -> None:
    source = make_input(tmp_path)
    output = tmp_path / "out.parquet"
    result = run("dedup", source, "--output", output, *extra)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not output.exists()


def demo_as_parquet(directory: Path) -> Path:
    path = directory / "demo.parquet"
    pl.read_ndjson(DEMO).write_parquet(path)
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--column", "body"], "no column 'body' (columns: id, source, text)"),
        (["--column", "id"], "column 'id' holds Int64, not text"),
        (["--threshold", "1.5"], "threshold must be strictly between 0 and 1, got 1.5"),
        (["--num-perm", "0"], "num_perm must be between 1 and 16384, got 0"),
        (["--num-perm", "-3"], "num_perm: must be in [0, "),
        (["--seed", str(2**32), "--scheme", "datasketch"], "seed 4294967296 is out of range"),
        (["--unit", "line"], None),  # click's own usage error
    ],
)
def test_parquet_to_parquet_bad_input_is_one_error_and_writes_nothing(tmp_path: Path, extra: list[str],
                                                                      message: str | None) -> None:
    output = tmp_path / "out.parquet"
    result = run("dedup", demo_as_parquet(tmp_path), "--output", output, *extra)
    assert result.returncode == 2, result.stderr
    if message is not None:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    else:
        assert "Invalid value for '--unit'" in result.stderr
    assert not output.exists()


@pytest.mark.parametrize("verify", ["exact", "none"])
def test_parquet_to_parquet_keeps_the_rows_the_polars_path_keeps(tmp_path: Path, verify: str) -> None:
    source = demo_as_parquet(tmp_path)
    flags = ["--column", "text", "--ngram", "3", "--threshold", "0.7", "--verify", verify]
    native = run("dedup", source, "--output", tmp_path / "native.parquet", *flags)
    through_polars = run("dedup", source, "--output", tmp_path / "polars.jsonl", *flags)
    assert native.returncode == 0 and through_polars.returncode == 0, native.stderr + through_polars.stderr
    summary = native.stdout.split(" (threshold")[0]
    assert summary == through_polars.stdout.split(" (threshold")[0]
    assert pl.read_parquet(tmp_path / "native.parquet").equals(pl.read_ndjson(tmp_path / "polars.jsonl"))


def test_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_bytes(DEMO.read_bytes())
    result = run("dedup", source, "--output", source)
    assert result.returncode == 2 and "must not overwrite the input" in result.stderr
    assert source.read_bytes() == DEMO.read_bytes()


def write_judge_fixture(directory: Path) -> list[Path]:
    (directory / "tests").mkdir()
    for n in (1, 2, 3):
        (directory / "tests" / f"{n}.in").write_text(f"{n}\n")
        (directory / "tests" / f"{n}.out").write_text(f"{2 * n}\n")
    good = directory / "good.py"
    good.write_text("print(2 * int(input()))\n")
    cpp = directory / "good.cpp"
    cpp.write_text('#include <cstdio>\nint main(){long n; scanf("%ld", &n); printf("%ld\\n", 2 * n);}\n')
    bad = directory / "bad.py"
    bad.write_text("print(0)\n")
    return [good, cpp, bad]


def test_judge_table_and_json(tmp_path: Path) -> None:
    solutions = write_judge_fixture(tmp_path)
    flags = [arg for path in solutions for arg in ("--solution", path)]
    table = run("judge", *flags, "--tests", tmp_path / "tests", "--time-limit", "1s")
    assert table.returncode == 0, table.stderr
    assert "AC AC AC" in table.stdout and "WA WA WA" in table.stdout and "0.333" in table.stdout
    assert "(standard library only)" in " ".join(table.stdout.split())  # rich may wrap the line
    as_json = run("judge", *flags, "--tests", tmp_path / "tests", "--json")
    payload = json.loads(as_json.stdout)
    assert payload["pass_rates"] == [1.0, 1.0, 0.0]
    assert [v["output"] for v in payload["votes"]] == ["2\n", "4\n", "6\n"]


def test_judge_early_exit_without_cgroups_and_packages(tmp_path: Path) -> None:
    good, _, bad = write_judge_fixture(tmp_path)
    (tmp_path / "tests" / "2.out").write_text("5\n")  # good fails test 2, so test 3 is skipped
    flags = ["--solution", good, "--solution", bad, "--tests", tmp_path / "tests", "--json"]
    result = run("judge", *flags, "--stop-on-first-failure", "--no-cgroups")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [[cell["verdict"] for cell in row] for row in payload["runs"]] == [
        ["Accepted", "WrongAnswer", "Skipped"], ["WrongAnswer", "Skipped", "Skipped"]]
    assert any("cgroups: disabled" in note for note in payload["isolation_notes"])
    missing = run("judge", *flags, "--python-packages", tmp_path / "nope")
    assert missing.returncode == 2 and "python_packages" in missing.stderr


def test_judge_jsonl_tests_and_errors(tmp_path: Path) -> None:
    solution = write_judge_fixture(tmp_path)[0]
    tests = tmp_path / "tests.jsonl"
    tests.write_text('{"input": "5\\n", "expected": "10"}\n{"input": "6\\n"}\n')
    result = run("judge", "--solution", solution, "--tests", tests, "--json")
    assert [row["verdict"] for row in json.loads(result.stdout)["runs"][0]] == ["Accepted", "Finished"]
    tests.write_text('{"input": "5\\n"}\nnot json\n')
    broken = run("judge", "--solution", solution, "--tests", tests)
    assert broken.returncode == 2 and f"{tests}:2: not JSON" in broken.stderr
    unknown = run("judge", "--solution", tmp_path / "tests" / "1.in", "--tests", tests)
    assert unknown.returncode == 2 and "unknown language 'in'" in unknown.stderr
