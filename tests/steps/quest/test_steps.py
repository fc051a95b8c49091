"""The QueST steps on hand-made rows: sampling, rejection, seeds, inputs from a generator program."""

from __future__ import annotations

from pathlib import Path

import pytest

from pysynth.errors import InputError
from pysynth.llm import OpenAICompatibleLLM
from pysynth.steps.base import Dropped
from pysynth.steps.quest.inputs import QuestInputs
from pysynth.steps.quest.reject import QuestReject
from pysynth.steps.quest.sample_prompts import QuestSamplePrompts
from pysynth.steps.quest.seed_rows import QuestSeedRows

SEEDS = [
    {"seed_id": "s1", "statement": "Shortest paths in a grid.", "difficulty": 2,
     "topics": ["graph"], "concepts": ["graph", "bfs", "grid"]},
    {"seed_id": "s2", "statement": "Weighted shortest paths.", "difficulty": 4,
     "topics": ["graph"], "concepts": ["graph", "dijkstra", "heap"]},
    {"seed_id": "s3", "statement": "Count subsets with a given sum.", "difficulty": 3,
     "topics": ["dp"], "concepts": ["dp", "bitmask", "subset sum"]},
]


def sampler(**params: object) -> QuestSamplePrompts:
    return QuestSamplePrompts(name="sample", **{"save_graph": None, **params})  # type: ignore[arg-type]


def test_prompts_are_reproducible_distinct_and_start_at_topics() -> None:
    first = sampler(prompts=4, seed=7, few_shot=1).produce(SEEDS)
    assert first == sampler(prompts=4, seed=7, few_shot=1).produce(SEEDS)
    sets = [tuple(row["concepts"]) for row in first]
    assert len(set(sets)) == len(sets) and all(row["prompt_id"] == f"p{i}" for i, row in enumerate(first))
    assert all({"graph", "dp"} & set(row["concepts"]) for row in first)  # every walk contains its start topic
    for row in first:
        assert all(concept in row["generation_prompt"] for concept in row["concepts"])


def test_few_shot_seeds_are_the_closest_by_jaccard() -> None:
    rows = sampler(prompts=6, seed=1, few_shot=1).produce(SEEDS)
    for row in rows:
        if set(row["concepts"]) <= {"dp", "bitmask", "subset sum"}:
            assert row["few_shot_ids"] == ["s3"]
            assert "Count subsets with a given sum." in row["generation_prompt"]


def test_the_graph_is_saved_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "graph.parquet"
    made = sampler(prompts=3, seed=2, save_graph=str(path)).produce(SEEDS)
    assert path.is_file()
    assert sampler(prompts=3, seed=2, load_graph=str(path)).produce(SEEDS) == made


def test_no_seed_left_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no seed survived concept extraction"):
        sampler().produce([])


def scored(prompt: str, delta: float, counted: int) -> dict[str, object]:
    tests = [{"input": f"{i}\n", "output": "x\n", "share": 1 - delta, "valid": 3} for i in range(counted)]
    return {"prompt_id": prompt, "delta": delta, "tests": tests, "inputs": ["i"] * 3,
            "solutions_total": 3, "solutions_valid": 3}


def test_rejection_keeps_the_hardest_candidate_of_each_prompt() -> None:
    rows = [scored("p0", 0.0, 3), scored("p0", 0.5, 2), scored("p1", 0.2, 3), scored("p2", 0.9, 1)]
    decided = QuestReject(name="chosen").select(rows)
    assert decided[0] == Dropped("rejection: not the hardest")
    assert isinstance(decided[1], dict) and decided[1]["delta"] == 0.5 and decided[1]["candidates_scored"] == 2
    assert isinstance(decided[2], dict) and decided[2]["candidates_scored"] == 1
    assert decided[3] == Dropped("rejection: too few counting inputs")


def test_rejection_ties_go_to_more_counting_inputs_then_the_first() -> None:
    rows = [scored("p", 0.25, 2), scored("p", 0.25, 3), scored("p", 0.25, 3)]
    decided = QuestReject(name="chosen").select(rows)
    assert [isinstance(row, dict) for row in decided] == [False, True, False]


def test_seed_rows_map_taco_labels_and_name_bad_rows() -> None:
    step = QuestSeedRows(name="seeds", statement_column="question", id_column=None, scale="taco", source="taco")
    out = step.transform({"_row_id": "src:7", "question": "Sort the array.", "difficulty": "MEDIUM_HARD"})
    assert isinstance(out, dict) and out["difficulty"] == 3 and out["statement"] == "Sort the array."
    assert out["seed_id"] == "taco-src:7"
    with pytest.raises(InputError, match="row src:2.*difficulty"):
        step.transform({"_row_id": "src:2", "question": "x", "difficulty": "IMPOSSIBLE"})


def test_seed_ids_come_from_row_ids_not_from_the_order_rows_arrive_in() -> None:
    step = QuestSeedRows(name="seeds", id_column="id", difficulty_column=None)
    rows = [{"_row_id": f"src:{i}", "statement": f"Problem {i}.", "id": "dup" if i < 2 else ""} for i in range(4)]

    def seed_id(row: dict[str, str]) -> str:
        out = step.transform(dict(row))
        assert isinstance(out, dict)
        return str(out["seed_id"])

    forward = [seed_id(row) for row in rows]
    backward = [seed_id(row) for row in reversed(rows)][::-1]
    assert forward == backward == ["dup", "dup", "pysynth-seeds-src:2", "pysynth-seeds-src:3"]
    with pytest.raises(InputError, match="_row_id"):
        step.transform({"statement": "No id anywhere.", "id": None})


# A stage needs an LLM to be built; these tests call `parse` on fixed answers and send nothing.
UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")
GENERATOR = """Here it is.
```python
seed = int(input())
print(seed % 3)
```"""


def test_inputs_from_a_generator_program_drop_duplicates_with_reasons() -> None:
    step = QuestInputs(name="inputs", llm=UNUSED_LLM, mode="generator", count=5, min_inputs=2)
    assert step.parse_blocks() and step.answer_format() is None  # a program, run in the judge
    out = step.parse(GENERATOR, {"problem": "P"})
    assert isinstance(out, dict)
    assert out["inputs"] == ["1\n", "2\n", "0\n"]
    assert out["inputs_dropped"] == ["same as an earlier input", "same as an earlier input"]


def test_a_generator_answer_without_code_drops_the_problem() -> None:
    step = QuestInputs(name="inputs", llm=UNUSED_LLM, mode="generator")
    assert step.parse("I cannot.", {"problem": "P"}) == Dropped("inputs: generator: no fenced code block")


def test_answers_without_code_are_named_as_such() -> None:
    from pysynth.steps.quest.difficulty import QuestDifficulty

    step = QuestDifficulty(name="difficulty")
    row = {"solution_answers": ["no code", "```python\nprint(1)\n```", "still none"], "inputs": ["1\n", "2\n"]}
    assert step.transform(row) == Dropped("difficulty: fewer than min_solutions answers hold a code block")


def test_difficulty_of_a_two_to_one_split_is_one_third() -> None:
    from pysynth.steps.quest.difficulty import QuestDifficulty

    same, other = "```python\nprint(int(input()) * 2)\n```", "```python\nprint(int(input()) + 2)\n```"
    row = {"solution_answers": [same, same, other], "inputs": ["5\n", "7\n"]}
    out = QuestDifficulty(name="difficulty").transform(row)
    assert isinstance(out, dict) and out["delta"] == pytest.approx(1 / 3)
    assert [test["output"] for test in out["tests"]] == ["10\n", "14\n"]
    assert out["solutions_valid"] == 3 and out["solutions_without_code"] == 0


def test_the_inputs_schema_asks_for_exactly_count_inputs_unless_the_llm_block_constrains_answers() -> None:
    step = QuestInputs(name="inputs", llm=UNUSED_LLM, count=4, min_inputs=2)
    schema = step.answer_format()
    assert schema is not None
    listed = schema.model_json_schema()["properties"]["inputs"]
    assert (listed["minItems"], listed["maxItems"]) == (4, 4)
    own = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused",
                              generation_kwargs={"regex": r"\{.*\}"})
    assert QuestInputs(name="inputs", llm=own, count=4).answer_format() is None
