"""pysynth.decontamination: planted copies of a hand-written benchmark are caught and named, distinct
problems are not, and a benchmark file that cannot be read is one line naming where."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import polars as pl
import pytest

from pysynth.decontamination import (
    BENCHMARK_FORMATS,
    MINHASH_THRESHOLD,
    Benchmark,
    Clean,
    Contaminated,
    Method,
    NgramChecker,
    Verdict,
    load_benchmark,
    make_checker,
    parse_date,
)
from pysynth.errors import InputError
from pysynth.problems import FORMATS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "decontamination"
BENCHMARK = FIXTURES / "benchmark.jsonl"
CANDIDATES = [json.loads(line) for line in (FIXTURES / "candidates.jsonl").read_text().splitlines()]
# c-passage copies a 60-word passage into a story three times its length: the n-gram rule's case.
NEAR_COPIES = [row for row in CANDIDATES if row["planted"] and row["id"] != "c-passage"]
DISTINCT = [row for row in CANDIDATES if not row["planted"]]
PASSAGE = next(row for row in CANDIDATES if row["id"] == "c-passage")


def benchmark_table() -> Benchmark:
    return load_benchmark(BENCHMARK, "table", column="question", id_column="id")


def verdicts(method: Method, rows: list[dict[str, str]]) -> dict[str, Verdict]:
    checker = make_checker(benchmark_table(), method)  # the default threshold
    return {row["id"]: checker.check(row["statement"]) for row in rows}


def test_minhash_catches_every_planted_near_copy_and_names_its_benchmark_row() -> None:
    found = verdicts(Method.MINHASH, NEAR_COPIES)
    named = {row["id"]: getattr(found[row["id"]], "benchmark_id", None) for row in NEAR_COPIES}
    planted = {row["id"]: row["planted"] for row in NEAR_COPIES}
    assert named == planted, f"planted copies missed (None) or blamed on the wrong row: {found}"
    for verdict in found.values():
        assert isinstance(verdict, Contaminated) and verdict.method == Method.MINHASH
        assert verdict.similarity >= MINHASH_THRESHOLD
        line = int(str(verdict.benchmark_id).removeprefix("lcb-"))  # the fixture's ids follow its lines
        assert (verdict.benchmark_row, verdict.where) == (line - 1, f"benchmark.jsonl:{line}")


def test_minhash_flags_no_distinct_problem_even_one_sharing_an_input_format() -> None:
    found = verdicts(Method.MINHASH, DISTINCT)
    flagged = {name: verdict for name, verdict in found.items() if not isinstance(verdict, Clean)}
    assert not flagged, f"distinct problems flagged as contaminated: {flagged}"


def test_an_exact_copy_names_the_closest_of_two_similar_benchmark_rows(tmp_path: Path) -> None:
    original = json.loads(BENCHMARK.read_text().splitlines()[3])["question"]
    variant = original.replace("robot", "rover").replace("coin", "token")
    path = tmp_path / "bench.jsonl"
    path.write_text(json.dumps({"text": variant}) + "\n\n" + json.dumps({"text": original}) + "\n")
    checker = make_checker(load_benchmark(path, column="text"), Method.MINHASH, threshold=0.5)
    verdict = checker.check(original.upper())
    assert isinstance(verdict, Contaminated), verdict
    # Row 1 is on line 3 (a blank line between): rows count records, `where` counts lines.
    assert (verdict.benchmark_row, verdict.where, verdict.benchmark_id) == (1, "bench.jsonl:3", None)
    assert verdict.similarity == pytest.approx(1.0)
    assert verdict.describe() == "bench.jsonl:3, jaccard 1.00"


def test_ngram_rule_catches_a_long_copied_passage_that_minhash_lets_through() -> None:
    assert isinstance(verdicts(Method.MINHASH, [PASSAGE])["c-passage"], Clean), \
        "the fixture no longer tells the two rules apart: the story around the passage is too short"
    verdict = verdicts(Method.NGRAM, [PASSAGE])["c-passage"]
    assert isinstance(verdict, Contaminated) and verdict.benchmark_id == "lcb-0007", verdict
    assert verdict.method == Method.NGRAM and 0 < verdict.similarity < 0.5
    assert verdict.describe().startswith("benchmark.jsonl:7 (id lcb-0007), shares ")
    assert verdict.describe().endswith("of the text's 50-grams")


def test_ngram_rule_flags_no_distinct_problem() -> None:
    flagged = {name: v for name, v in verdicts(Method.NGRAM, DISTINCT).items() if not isinstance(v, Clean)}
    assert not flagged, f"distinct problems share a 50-gram with the benchmark: {flagged}"


def test_ngram_rule_is_any_shared_ngram_after_normalisation() -> None:
    benchmark = benchmark_table()
    checker = NgramChecker(benchmark, ngram=8)
    words = benchmark.rows[2].text.split()  # lcb-0003: "Mira keeps a row of n flower pots, and ..."
    eight = "  ".join(words[:8])
    assert isinstance(checker.check(f"Completely new words around it: {eight.upper()}!! and more."), Contaminated)
    assert isinstance(checker.check(" ".join(words[:7]) + " banana"), Clean), "7 shared words are not an 8-gram"


def test_a_text_shorter_than_the_ngram_matches_only_an_identical_short_text(tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    path.write_text('{"statement": "Print the sum of two integers."}\n')
    checker = NgramChecker(load_benchmark(path))
    assert isinstance(checker.check("print   the SUM of two integers"), Contaminated)
    assert isinstance(checker.check("Print the sum of three integers."), Clean)


def test_parquet_and_json_array_tables_name_rows_by_index(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in BENCHMARK.read_text().splitlines()]
    pl.DataFrame(rows).write_parquet(tmp_path / "bench.parquet")
    (tmp_path / "bench.json").write_text(json.dumps(rows))
    for name in ("bench.parquet", "bench.json"):
        benchmark = load_benchmark(tmp_path / name, column="question", id_column="id")
        assert [row.id for row in benchmark.rows] == [row["id"] for row in rows]
        assert benchmark.rows[6].where == f"{name} row 6"


def test_a_problem_file_benchmark_uses_statement_and_problem_id() -> None:
    benchmark = load_benchmark(FIXTURES / "benchmark_problems.jsonl", "jsonl")
    assert [(row.row, row.id, row.where) for row in benchmark.rows] == [
        (0, "bench-lanterns", "benchmark_problems.jsonl row 0"), (1, "bench-shelf", "benchmark_problems.jsonl row 1")]
    checker = make_checker(benchmark, Method.MINHASH)
    verdict = checker.check(next(row for row in CANDIDATES if row["id"] == "c-reorder")["statement"])
    assert isinstance(verdict, Contaminated) and verdict.benchmark_id == "bench-shelf"


@pytest.mark.parametrize(("content", "expected"), [
    ('{"question": "a"}\n{"question": \n', r"bench\.jsonl:2: not JSON"),
    ('{"question": "a"}\n\n{"text": "b", "id": 1}\n', r"bench\.jsonl:3: no column 'question' \(columns: text, id\)"),
    ('{"question": "a"}\n{"question": "  "}\n', r"bench\.jsonl:2: 'question' is empty"),
    ('{"question": ["a"]}\n', r"bench\.jsonl:1: 'question' holds list, not text"),
    ("\n\n", r"bench\.jsonl: the benchmark has no rows"),
])
def test_a_malformed_table_is_one_line_naming_file_and_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bench.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match=expected) as caught:
        load_benchmark(path, column="question")
    assert "\n" not in str(caught.value) and str(tmp_path) in str(caught.value)


def test_a_missing_id_column_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bench.jsonl"
    path.write_text('{"question": "a", "id": "x"}\n{"question": "b"}\n')
    with pytest.raises(InputError, match=r"bench\.jsonl:2: no column 'id'"):
        load_benchmark(path, column="question", id_column="id")


def test_an_unreadable_problem_row_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    rows = (FIXTURES / "benchmark_problems.jsonl").read_text().splitlines()
    broken = json.loads(rows[1]) | {"tests": []}
    path = tmp_path / "problems.jsonl"
    path.write_text(rows[0] + "\n" + json.dumps(broken) + "\n")
    with pytest.raises(InputError, match=r"problems\.jsonl: row 1: tests: .*cannot be guarded against"):
        load_benchmark(path, "jsonl")


def test_benchmark_formats_are_table_and_every_problem_format() -> None:
    assert set(BENCHMARK_FORMATS) == {"table", *FORMATS}, "a problem format is missing from BenchmarkFormat"


def test_an_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown benchmark format 'csv'; use one of table, taco"):
        load_benchmark(BENCHMARK, "csv")


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-05-01", datetime.date(2024, 5, 1)),
    ("2024-08-03T00:00:00", datetime.date(2024, 8, 3)),  # LiveCodeBench's contest_date
    (datetime.datetime(2024, 1, 2, 23, 59), datetime.date(2024, 1, 2)),
    (datetime.date(2023, 12, 31), datetime.date(2023, 12, 31)),
    (None, None),
    ("  ", None),
])
def test_dates_are_read_from_iso_text_and_date_values(value: object, expected: datetime.date | None) -> None:
    assert parse_date(value, "date") == expected


@pytest.mark.parametrize("value", ["last May", 20240501, "2024-13-01"])
def test_a_value_that_is_not_a_date_is_an_error_naming_the_column(value: object) -> None:
    with pytest.raises(InputError, match=r"^contest_date: .* is not a date"):
        parse_date(value, "contest_date")
