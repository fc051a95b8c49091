"""pysynth.quest.seeds: the shipped seed set is well-formed; TACO and CodeContests rows load."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pysynth.errors import InputError
from pysynth.quest import seeds

SHIPPED = Path(__file__).resolve().parents[2] / "pipelines" / "data" / "quest_seeds.jsonl"


def test_the_shipped_seeds_load_and_spread_over_every_level() -> None:
    shipped = seeds.load_seeds(SHIPPED)
    assert len(shipped) >= 32
    assert len({seed.id for seed in shipped}) == len(shipped)
    levels = Counter(seed.difficulty for seed in shipped)
    assert set(levels) == {1, 2, 3, 4, 5} and min(levels.values()) >= 5, levels
    rows = [json.loads(line) for line in SHIPPED.read_text().splitlines()]
    assert all(set(row) == {"id", "statement", "difficulty", "source", "rating"} for row in rows)
    assert {(row["source"], row["rating"]) for row in rows} == {("pysynth-seeds", None)}


@pytest.mark.parametrize("seed", seeds.load_seeds(SHIPPED), ids=lambda seed: seed.id)
def test_each_shipped_statement_is_complete_and_compact(seed: seeds.SeedProblem) -> None:
    statement = seed.statement
    for section in ("\n\nInput\n", "\n\nOutput\n", "\n\nConstraints\n", "\n\nExample\nInput:\n", "\nOutput:\n"):
        assert section in statement, f"missing {section!r}"
    assert 60 <= len(statement.split()) <= 200


@pytest.mark.parametrize(
    ("rating", "level"),
    [(800, 1), (1199, 1), (1200, 2), (1599, 2), (1600, 3), (2000, 4), (2399, 4), (2400, 5), (3500, 5), (0, None)],
)
def test_rating_levels(rating: int, level: int | None) -> None:
    assert seeds.level_from_rating(rating) == level


def test_taco_levels() -> None:
    labels = ["EASY", "medium", "MEDIUM_HARD", "Medium-Hard", "HARD", "very hard", "UNKNOWN_DIFFICULTY"]
    assert [seeds.level_from_taco(label) for label in labels] == [1, 2, 3, 3, 4, 5, None]
    with pytest.raises(InputError, match="unknown TACO difficulty 'IMPOSSIBLE'"):
        seeds.level_from_taco("IMPOSSIBLE")


def test_pass_rate_levels_are_harder_as_fewer_solutions_pass() -> None:
    rates = [1.0, 0.81, 0.8, 0.61, 0.6, 0.41, 0.4, 0.21, 0.2, 0.0]
    assert [seeds.level_from_pass_rate(rate) for rate in rates] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with pytest.raises(ValueError, match="between 0 and 1"):
        seeds.level_from_pass_rate(1.5)
    seed = seeds.seed_from_row({"statement": "Sum two numbers.", "rate": 0.3},
                               seeds.SeedColumns(difficulty="rate", scale="pass_rate", id=None), 7)
    assert seed.difficulty == 4
    with pytest.raises(InputError, match="row 7: column 'rate': a pass rate is between 0 and 1"):
        seeds.seed_from_row({"statement": "Sum two numbers.", "rate": -0.1},
                            seeds.SeedColumns(difficulty="rate", scale="pass_rate", id=None), 7)


def test_taco_and_codecontests_files_load_with_their_presets(tmp_path: Path) -> None:
    taco = tmp_path / "taco.parquet"
    pl.DataFrame({"question": ["Sum a and b.", "Count paths."], "difficulty": ["EASY", "VERY_HARD"],
                  "solutions": ["[]", "[]"]}).write_parquet(taco)
    assert [(s.id, s.difficulty, s.source) for s in seeds.load_seeds(taco, seeds.TACO_COLUMNS)] == [
        ("taco-1", 1, "taco"), ("taco-2", 5, "taco"),
    ]
    contests = tmp_path / "code_contests.jsonl"
    contests.write_text('{"name": "1500_A", "description": "Flip bits.", "cf_rating": 1700}\n'
                        '{"name": "1500_B", "description": "Sort it.", "cf_rating": 0}\n')
    assert [(s.id, s.difficulty, s.rating) for s in seeds.load_seeds(contests, seeds.CODECONTESTS_COLUMNS)] == [
        ("1500_A", 3, 1700), ("1500_B", None, 0),
    ]


def test_bad_files_name_the_row_and_the_column(tmp_path: Path) -> None:
    path = tmp_path / "seeds.jsonl"
    path.write_text('{"id": "a", "statement": "ok", "difficulty": 2}\n'
                    '{"id": "b", "statement": "ok", "difficulty": 9}\n')
    with pytest.raises(InputError, match=r"seeds.jsonl: row 2: difficulty: Input should be less than or equal to 5"):
        seeds.load_seeds(path)
    with pytest.raises(InputError, match="missing column\\(s\\) question"):
        seeds.load_seeds(path, seeds.TACO_COLUMNS)
    path.write_text('{"problem": "x", "label": "SUPER_HARD"}\n')
    with pytest.raises(InputError, match="row 1: column 'label': unknown TACO difficulty"):
        seeds.load_seeds(path, seeds.SeedColumns(statement="problem", id=None, difficulty="label", scale="taco"))
