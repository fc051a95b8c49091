"""The calibration subset: `size` rows chosen by hash, the same whatever the row order."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pysynth.errors import InputError
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.calibration_subset import NOT_IN_SUBSET, CalibrationSubset

ROWS: list[dict[str, Any]] = [{"source": "taco" if index % 2 else "code_contests", "id": str(index // 2), "n": index} for index in range(40)]


def chosen(rows: list[dict[str, Any]], **params: Any) -> set[int]:
    decided = CalibrationSubset(name="subset", **params).select(rows)
    assert len(decided) == len(rows), "one decision per row"
    assert all(item == Dropped(NOT_IN_SUBSET) for item in decided if isinstance(item, Dropped))
    return {int(item["n"]) for item in decided if not isinstance(item, Dropped)}


def test_the_subset_has_size_rows_and_is_the_same_every_time() -> None:
    first = chosen(ROWS, size=10, seed=3)
    assert len(first) == 10 and chosen(ROWS, size=10, seed=3) == first


def test_the_subset_does_not_depend_on_row_order() -> None:
    shuffled = list(ROWS)
    random.Random(7).shuffle(shuffled)
    assert chosen(shuffled, size=10, seed=3) == chosen(ROWS, size=10, seed=3)
    assert chosen(ROWS[::-1], size=10, seed=3) == chosen(ROWS, size=10, seed=3)


def test_a_smaller_subset_is_part_of_a_larger_one_and_another_seed_picks_others() -> None:
    assert chosen(ROWS, size=5, seed=3) <= chosen(ROWS, size=10, seed=3)
    assert chosen(ROWS, size=10, seed=4) != chosen(ROWS, size=10, seed=3)


def test_the_source_is_part_of_the_key() -> None:
    def in_pairs(picked: set[int]) -> bool:  # rows 2k and 2k + 1 hold id k, once per source
        return all((n ^ 1) in picked for n in picked)

    assert in_pairs(chosen(ROWS, size=20, seed=0, key_columns=["id"])), "one key, one hash: chosen together"
    assert not in_pairs(chosen(ROWS, size=20, seed=0)), "ids repeat across sources: each problem is its own"


def test_a_size_above_the_row_count_keeps_every_row() -> None:
    assert chosen(ROWS, size=100) == set(range(40))


def test_a_row_missing_a_key_column_is_named() -> None:
    with pytest.raises(InputError, match=r"row r9: column 'id' is missing or null"):
        CalibrationSubset(name="subset", size=1).select([{"_row_id": "r9", "source": "taco", "id": None}])
