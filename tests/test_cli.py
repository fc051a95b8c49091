"""The `pysynth` command line, run as a real subprocess."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import pysynth
import pysynth.tables

ROOT = Path(__file__).resolve().parents[1]
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


def test_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    source.write_bytes(DEMO.read_bytes())
    result = run("dedup", source, "--output", source)
    assert result.returncode == 2 and "must not overwrite the input" in result.stderr
    assert source.read_bytes() == DEMO.read_bytes()
