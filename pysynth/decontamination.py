"""Decontamination: is a text a (near) copy of a problem of a benchmark, and which one?

The benchmark is a file (`load_benchmark`): a table (`.jsonl`/`.ndjson`, `.json`, `.parquet`, a saved
Hugging Face dataset) with a text column and an optional id column, or a problem file in one of
`pysynth.problems`' formats (its text is the statement, its id the problem's). Every row must be
readable: a row that cannot be read is a problem nobody is guarded against, so it is an error
naming the file and line (JSON lines) or row, never a silent skip. Rows are numbered from 0 in file
order, as `pysynth.problems` numbers them.

Both sides are normalised by pysynth's dedup normaliser (`rust/dedup/src/normalize.rs`: lowercase,
punctuation and whitespace separate words, words joined by one space), through `pysynth.dedup.shingles`:
there is no second normaliser to drift from it. Two rules:

- `minhash` (default): the benchmark texts sit in a `MinHashIndex` (LSH over word-shingle MinHash,
  pairs confirmed by their exact shingle Jaccard in Rust); a text is contaminated when some
  benchmark row's shingle Jaccard is >= `threshold`, and the hit is the row with the highest
  Jaccard (ties: the first row). Catches copies with changed numbers, case, whitespace, reordered
  sentences and a few replaced words; a full paraphrase is beyond any shingle method. LSH is
  probabilistic: a pair just above the threshold can be missed (bands are chosen for recall,
  ~0.99 at 0.8 in benchmarks/bench_dedup.py).
- `ngram`: QueST's rule. The paper reports "50-gram" decontamination and publishes no code, so how
  the overlap is thresholded is unconfirmed; we take the common form: a text is contaminated when
  it shares ANY word n-gram (n = 50 by default) with a benchmark text.
  The benchmark's n-grams are kept as a hash set; the hit is the row sharing the most of the text's
  n-grams, and the similarity is that share. A text shorter than n words is one n-gram (its whole
  normalised text), so it is caught only by an identical short benchmark text.
"""

from __future__ import annotations

import datetime
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Literal, get_args

from pysynth.dedup import DedupConfig, MinHashConfig, MinHashIndex, shingles
from pysynth.errors import InputError
from pysynth.problems import FORMATS, Dropped, iter_problems
from pysynth.problems.records import iter_records
from pysynth.problems.rows import RowError
from pysynth.tables import JSONL_SUFFIXES, iter_jsonl_objects

TABLE: Final = "table"
BenchmarkFormat = Literal["table", "taco", "apps", "code_contests", "livecodebench", "jsonl"]
BENCHMARK_FORMATS: tuple[str, ...] = get_args(BenchmarkFormat)
"""`table` and every `pysynth.problems` format (a test keeps the two lists in step)."""

MINHASH_NGRAM = 5
"""Words per shingle of the `minhash` rule: `pysynth.dedup`'s default, so dedup and decontamination agree."""
QUEST_NGRAM = 50
"""Words per n-gram of the `ngram` rule (QueST's 50-gram overlap)."""
MINHASH_THRESHOLD = 0.5
"""The least shingle Jaccard the `minhash` rule counts as a copy. Ours: below near_dedup's 0.8, because
a copy missed here is a leaked benchmark problem while a false hit costs one training problem. On
tests/fixtures/decontamination, planted copies (edited numbers, case, sentence order, a few words
replaced) score 0.63-1.0 on 5-word shingles and distinct problems sharing an input format <= 0.12."""


class Method(StrEnum):
    MINHASH = "minhash"
    NGRAM = "ngram"


@dataclass(frozen=True)
class BenchmarkRow:
    row: int
    """Index among the file's rows, from 0."""
    id: str | None
    text: str
    where: str
    """How a person finds it: `benchmark.jsonl:8` (file:line) in JSON lines, else `benchmark.parquet row 7`."""


@dataclass(frozen=True)
class Benchmark:
    path: Path
    rows: tuple[BenchmarkRow, ...]


@dataclass(frozen=True)
class Clean:
    """No benchmark row is close enough."""


@dataclass(frozen=True)
class Contaminated:
    benchmark_row: int
    benchmark_id: str | None
    similarity: float
    """`minhash`: the shingle Jaccard; `ngram`: the share of the text's n-grams found in that row."""
    method: Method
    where: str
    ngram: int

    def describe(self) -> str:
        """e.g. `benchmark.jsonl:8 (id lcb-0007), jaccard 0.91`: what a drop record says."""
        name = f"{self.where} (id {self.benchmark_id})" if self.benchmark_id is not None else self.where
        if self.method == Method.MINHASH:
            return f"{name}, jaccard {self.similarity:.2f}"
        return f"{name}, shares {self.similarity:.0%} of the text's {self.ngram}-grams"


Verdict = Clean | Contaminated


def load_benchmark(path: str | os.PathLike[str], format: str = TABLE, column: str = "statement",
                   id_column: str | None = None) -> Benchmark:
    """The rows of a benchmark file; `column`/`id_column` are read in the `table` format only."""
    source = Path(path)
    if format == TABLE:
        rows = tuple(_table_rows(source, column, id_column))
    elif format in FORMATS:
        rows = tuple(_problem_rows(source, format))
    else:
        raise InputError(f"{source}: unknown benchmark format {format!r}; use one of {', '.join(BENCHMARK_FORMATS)}")
    if not rows:
        raise InputError(f"{source}: the benchmark has no rows, so it would guard against nothing (wrong file?)")
    return Benchmark(source, rows)


def _table_rows(path: Path, column: str, id_column: str | None) -> Iterator[BenchmarkRow]:
    """JSON lines through `pysynth.tables` (errors name file:line); other files through
    `pysynth.problems.records` (errors name the row)."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        records: Iterator[tuple[str, Mapping[str, Any]]] = (
            (f"{path}:{line}", record) for line, record in iter_jsonl_objects(path))
    else:
        records = _records_by_row(path)
    for index, (where, record) in enumerate(records):
        text = _field(record, column, where)
        identity = _field(record, id_column, where) if id_column is not None else None
        yield BenchmarkRow(index, identity, text, _short(where, path))


def _records_by_row(path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for row, record in iter_records(path):
        if isinstance(record, RowError):  # the line is not a JSON object
            raise InputError(f"{path}: {record.dropped(row).reason}")
        yield f"{path} row {row}", record


def _field(record: Mapping[str, Any], column: str, where: str) -> str:
    if column not in record:
        columns = ", ".join(record) or "none"
        raise InputError(f"{where}: no column {column!r} (columns: {columns})")
    value = record[column]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"{where}: {column!r} is empty (every benchmark row needs its text, and its id when "
                         "an id column is named)")
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric ids are common (LiveCodeBench's question ids are text, others are not)
    raise InputError(f"{where}: {column!r} holds {type(value).__name__}, not text")


def _problem_rows(path: Path, format: str) -> Iterator[BenchmarkRow]:
    for index, item in enumerate(iter_problems(path, format)):
        if isinstance(item, Dropped):
            raise InputError(f"{path}: {item.reason} (a benchmark row that cannot be read cannot be guarded "
                             "against; `benchmark_format: table` reads only a text column)")
        yield BenchmarkRow(index, item.id, item.statement, f"{path.name} row {index}")


def _short(where: str, path: Path) -> str:
    """The locator with the file's name instead of its full path (drop records are read beside the run)."""
    return path.name + where[len(str(path)):]


class MinHashChecker:
    """The `minhash` rule: LSH candidates from the index, the best by exact shingle Jaccard."""

    def __init__(self, benchmark: Benchmark, *, threshold: float = MINHASH_THRESHOLD, num_perm: int = 128,
                 ngram: int = MINHASH_NGRAM) -> None:
        self.benchmark = benchmark
        self.config = DedupConfig.build(threshold=threshold, num_perm=num_perm, ngram=ngram)
        self.index = MinHashIndex(self.config)
        self.index.insert([row.text for row in benchmark.rows])  # ids: positions in `benchmark.rows`
        # Shingle sets only for ranking the few LSH candidates and reporting their Jaccard.
        self._shingles = [frozenset(shingles(row.text, self.config.minhash)) for row in benchmark.rows]

    def check(self, text: str) -> Verdict:
        candidates = self.index.query([text])[0]
        if not candidates:
            return Clean()
        mine = frozenset(shingles(text, self.config.minhash))
        # Highest Jaccard, the earliest row on a tie (`-position` makes max prefer it).
        similarity, negative_position = max((_jaccard(mine, self._shingles[position]), -position)
                                            for position in candidates)
        if similarity < self.config.threshold:  # the index confirms on 64-bit hashes; bytes decide here
            return Clean()
        row = self.benchmark.rows[-negative_position]
        return Contaminated(row.row, row.id, similarity, Method.MINHASH, row.where, self.config.ngram)


class NgramChecker:
    """The `ngram` rule: any shared word n-gram; benchmark n-grams kept as hashes (64-bit, this process's)."""

    def __init__(self, benchmark: Benchmark, *, ngram: int = QUEST_NGRAM) -> None:
        self.benchmark = benchmark
        self.config = MinHashConfig.build(ngram=ngram)
        self._first_row: dict[int, int] = {}  # n-gram hash -> position of the first row holding it
        for position, row in enumerate(benchmark.rows):
            for gram in shingles(row.text, self.config):
                self._first_row.setdefault(hash(gram), position)

    def check(self, text: str) -> Verdict:
        grams = {hash(gram) for gram in shingles(text, self.config)}
        shared = Counter(self._first_row[gram] for gram in grams if gram in self._first_row)
        if not shared:
            return Clean()
        count, negative_position = max((count, -position) for position, count in shared.items())
        row = self.benchmark.rows[-negative_position]
        return Contaminated(row.row, row.id, count / len(grams), Method.NGRAM, row.where, self.config.ngram)


Checker = MinHashChecker | NgramChecker


def make_checker(benchmark: Benchmark, method: Method, *, threshold: float = MINHASH_THRESHOLD, num_perm: int = 128,
                 ngram: int | None = None) -> Checker:
    """The checker of `method`; `ngram` defaults to the method's own (5 words for minhash, 50 for ngram)."""
    if method == Method.MINHASH:
        return MinHashChecker(benchmark, threshold=threshold, num_perm=num_perm, ngram=ngram or MINHASH_NGRAM)
    return NgramChecker(benchmark, ngram=ngram or QUEST_NGRAM)


def _jaccard(left: frozenset[bytes], right: frozenset[bytes]) -> float:
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def parse_date(value: object, column: str) -> datetime.date | None:
    """A row's date: a `date`, a `datetime`, or ISO text (`2024-05-01`, `2024-05-01T10:00:00`); None when
    missing or blank. Anything else is an `InputError` naming the column and the value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            pass
    raise InputError(f"{column}: {value!r} is not a date (use ISO text such as 2024-05-01)")
