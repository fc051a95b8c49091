"""pysynth's own problem files: one `Problem.to_json()` object a line (see `model.py`)."""

from __future__ import annotations

from pysynth.problems.model import Problem
from pysynth.problems.rows import Record, RowKey, make_problem


def jsonl_problem(record: Record, row: RowKey) -> Problem:
    return make_problem(dict(record))
