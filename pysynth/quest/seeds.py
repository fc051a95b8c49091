"""Seed problems for QueST: the shipped set (pipelines/data/quest_seeds.jsonl) or a TACO /
CodeContests file the user already has, read into one shape with a 1-5 difficulty level.

Levels from other scales (documented in pipelines/data/README.md):
- Codeforces rating, following the usual division boundaries: < 1200 -> 1, 1200-1599 -> 2,
  1600-1999 -> 3, 2000-2399 -> 4, >= 2400 -> 5. A rating <= 0 is unknown (CodeContests writes 0
  for unrated problems).
- TACO labels: EASY 1, MEDIUM 2, MEDIUM_HARD 3, HARD 4, VERY_HARD 5; UNKNOWN_DIFFICULTY unknown.
- A solver's pass rate in [0, 1] (MicroCoder's calibrated pass rate): five equal bands, harder as
  fewer solutions pass: > 0.8 -> 1, (0.6, 0.8] -> 2, (0.4, 0.6] -> 3, (0.2, 0.4] -> 4, <= 0.2 -> 5."""

from __future__ import annotations

import bisect
import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pysynth.config import FrozenConfig, describe_validation_error
from pysynth.errors import InputError
from pysynth.tables import read_table

RATING_BOUNDS = (1200, 1600, 2000, 2400)
"""The lowest rating of levels 2, 3, 4 and 5."""
PASS_RATE_BOUNDS = (0.2, 0.4, 0.6, 0.8)
"""The highest pass rate of levels 5, 4, 3 and 2."""
TACO_LEVELS = {"EASY": 1, "MEDIUM": 2, "MEDIUM_HARD": 3, "HARD": 4, "VERY_HARD": 5}
TACO_UNKNOWN = "UNKNOWN_DIFFICULTY"


def level_from_rating(rating: int) -> int | None:
    """The 1-5 level of a Codeforces-style rating; None when the rating is unknown (<= 0)."""
    return 1 + bisect.bisect_right(RATING_BOUNDS, rating) if rating > 0 else None


def level_from_pass_rate(rate: float) -> int:
    """The 1-5 level of a pass rate in [0, 1]: a problem every solver passes is level 1."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a pass rate is between 0 and 1, got {rate!r}")
    return 5 - bisect.bisect_left(PASS_RATE_BOUNDS, rate)


def level_from_taco(label: str) -> int | None:
    """The 1-5 level of a TACO difficulty label (any case; spaces or hyphens for underscores)."""
    key = label.strip().upper().replace(" ", "_").replace("-", "_")
    if key == TACO_UNKNOWN:
        return None
    if key not in TACO_LEVELS:
        raise InputError(f"unknown TACO difficulty {label!r}; expected one of {', '.join(TACO_LEVELS)}")
    return TACO_LEVELS[key]


class SeedProblem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    difficulty: int | None = Field(ge=1, le=5)
    """1 (easiest) to 5; None when the source gives no usable label."""
    source: str
    rating: int | None = None


class SeedColumns(FrozenConfig):
    """Which columns of a user's file hold the seed fields, and the scale of its difficulty."""

    statement: str = "statement"
    id: str | None = "id"
    """None (or an empty value): the id is `<source>-<row>`, the row's number in a file or its pipeline row id."""
    difficulty: str | None = "difficulty"
    scale: Literal["level", "rating", "taco", "pass_rate"] = "level"
    source: str = "pysynth-seeds"
    """Written to every seed's `source` (the file's own source column is not read)."""


TACO_COLUMNS = SeedColumns(statement="question", id=None, difficulty="difficulty", scale="taco", source="taco")
CODECONTESTS_COLUMNS = SeedColumns(
    statement="description", id="name", difficulty="cf_rating", scale="rating", source="code_contests"
)


def _level_and_rating(raw: object, scale: str) -> tuple[object, int | None]:
    if raw is None or scale == "level":
        return raw, None
    if scale == "rating":
        rating = int(str(raw))
        return level_from_rating(rating), rating
    if scale == "pass_rate":
        return level_from_pass_rate(float(str(raw))), None
    return level_from_taco(str(raw)), None


def seed_from_row(row: Mapping[str, object], columns: SeedColumns, row_key: int | str) -> SeedProblem:
    """One seed from a table row; raises `InputError` naming the row and the problem.

    `row_key` names the row (its number in a file, or its pipeline row id) and makes the id of a row
    that has none, so the id depends on the row only, never on the order rows were read in.
    """
    try:
        raw = row.get(columns.difficulty) if columns.difficulty else None
        difficulty, rating = _level_and_rating(raw, columns.scale)
    except ValueError as error:
        raise InputError(f"row {row_key}: column {columns.difficulty!r}: {error}") from None
    given_id = row.get(columns.id) if columns.id else None
    fields = {
        "id": f"{columns.source}-{row_key}" if given_id in (None, "") else str(given_id),
        "statement": row.get(columns.statement),
        "difficulty": difficulty,
        "source": columns.source,
        "rating": rating,
    }
    try:
        return SeedProblem.model_validate(fields)
    except ValidationError as error:
        raise InputError(f"row {row_key}: {describe_validation_error(error)}") from None


def load_seeds(path: str | os.PathLike[str], columns: SeedColumns | None = None) -> list[SeedProblem]:
    """Every row of a JSONL or Parquet file as a seed (the whole file is read into memory)."""
    columns = columns or SeedColumns()
    table = read_table(path)
    wanted = list(dict.fromkeys(name for name in (columns.statement, columns.id, columns.difficulty) if name))
    missing = [name for name in wanted if name not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(table.columns)}")
    rows = table.select(wanted).iter_rows(named=True)
    try:
        return [seed_from_row(row, columns, number) for number, row in enumerate(rows, 1)]
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
