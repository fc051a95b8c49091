"""`load_problems(path, format)`: a dataset file read into `Problem`s, and the rows left out, with why.

Every malformed row becomes a `Dropped` (its row, the first bad field, and what is wrong); no row's
error escapes, not even one from a shape the readers did not foresee (that one names the whole row).
Only a file that cannot be read at all, or an unknown `format`, raises: one `InputError` naming the
file. How rows are numbered is described in `records.py`; what each format's fields mean, in its
reader's module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pysynth.errors import InputError
from pysynth.problems.code_contests import code_contests_problem
from pysynth.problems.jsonl import jsonl_problem
from pysynth.problems.livecodebench import livecodebench_problem
from pysynth.problems.model import Problem
from pysynth.problems.records import iter_records
from pysynth.problems.rows import WHOLE_ROW, Dropped, Record, RowError, RowKey
from pysynth.problems.taco import apps_problem, taco_problem

ProblemFormat = Literal["taco", "apps", "code_contests", "livecodebench", "jsonl"]
FORMATS: tuple[ProblemFormat, ...] = get_args(ProblemFormat)

READERS: dict[ProblemFormat, Callable[[Record, RowKey], Problem]] = {
    "taco": taco_problem,
    "apps": apps_problem,
    "code_contests": code_contests_problem,
    "livecodebench": livecodebench_problem,
    "jsonl": jsonl_problem,
}


@dataclass(frozen=True)
class ProblemSet:
    problems: tuple[Problem, ...]
    dropped: tuple[Dropped, ...]


def load_problems(path: str | os.PathLike[str], format: str) -> ProblemSet:
    """Every problem of `path` (a JSON lines, Parquet or saved Hugging Face dataset) in `format`."""
    problems: list[Problem] = []
    dropped: list[Dropped] = []
    for item in iter_problems(path, format):
        if isinstance(item, Dropped):
            dropped.append(item)
        else:
            problems.append(item)
    return ProblemSet(tuple(problems), tuple(dropped))


def iter_problems(path: str | os.PathLike[str], format: str) -> Iterator[Problem | Dropped]:
    """`load_problems` one row at a time, in file order (memory stays flat)."""
    source = Path(path)
    read = reader(format, source)
    for row, record in iter_records(source):
        if isinstance(record, RowError):
            yield record.dropped(row)
            continue
        try:
            yield read(record, row)
        except RowError as error:
            yield error.dropped(row)
        except Exception as error:  # noqa: BLE001 - a shape no reader check foresaw still drops only its row
            yield RowError(WHOLE_ROW, f"cannot be read ({type(error).__name__}: {error})").dropped(row)


def reader(format: str, path: Path) -> Callable[[Record, RowKey], Problem]:
    if format not in READERS:
        raise InputError(f"{path}: unknown problem format {format!r}; use one of {', '.join(FORMATS)}")
    return READERS[format]
