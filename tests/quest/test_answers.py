"""pysynth.quest.answers: reasoning sections, fenced blocks and embedded JSON in model answers."""

from __future__ import annotations

from pysynth.quest.answers import FencedBlock, fenced_blocks, final_answer, first_json, single_problem


def test_final_answer_skips_finished_reasoning_and_refuses_unfinished() -> None:
    assert final_answer("<think>draft</think>answer") == "answer"
    assert final_answer("<think>a</think>b<think>c</think>final") == "final"
    assert final_answer("no reasoning here") == "no reasoning here"
    assert final_answer("<think>still thinking ```python\nprint(1)\n```") is None


def test_fenced_blocks_keep_labels_bodies_and_truncation() -> None:
    text = "intro\n```Python extra words\nx = 1\n\ny = 2\n```\nmiddle\n```\n```\n  ```cpp\nint main(){}"
    assert fenced_blocks(text) == [
        FencedBlock("python", "x = 1\n\ny = 2\n", closed=True),
        FencedBlock("", "", closed=True),
        FencedBlock("cpp", "int main(){}\n", closed=False),
    ]
    assert fenced_blocks("no fences at all") == []


def test_first_json_skips_prose_brackets_and_wrong_kinds() -> None:
    text = 'Sets like {a, b} and [x] aside, the answer is {"topics": ["graphs"]} and then {"other": 1}.'
    assert first_json(text, dict) == {"topics": ["graphs"]}
    assert first_json('values [1, 2] then ["a"]', list) == [1, 2]
    assert first_json("{broken: json", dict) is None
    assert first_json('["only a list"]', dict) is None


def test_single_problem_drops_a_copied_heading_and_every_extra_problem() -> None:
    assert single_problem("### Problem 2\nYou are given a graph.\n\nInput\n5") == "You are given a graph.\n\nInput\n5"
    two = "### Problem 2: Paths\n\nGiven a list.\n\n### Problem 3: Longest\n\nGiven a graph."
    assert single_problem(two) == "Paths\n\nGiven a list."
    assert single_problem("**Problem 1:** Count pairs.\n\n**Problem 2** Count triples.") == "Count pairs."
    assert single_problem("## Example problem 4\nSort it.") == "Sort it."


def test_single_problem_stops_at_an_echoed_prompt_or_a_solution_but_keeps_unlabelled_examples() -> None:
    statement = "Count the pairs.\n\nExample\nInput:\n```\n3\n1 2 3\n```\nOutput:\n```\n1\n```"
    assert single_problem(statement) == statement
    assert single_problem(statement + "\n\nNow write the new problem. Make it difficult.") == statement
    assert single_problem(statement + "\n\nHere's how the code might look:\n```python\nprint(1)\n```") == statement
    assert single_problem(statement + "\n```python\nprint(1)\n```") == statement


def test_single_problem_leaves_prose_that_only_mentions_problems() -> None:
    for text in ("Problems of this kind are hard.\nProblem 2 is not a heading here.", "Problem statement\nfoo",
                 "Count the pairs.\n\nThe problem 3 times harder version has n <= 10^6."):
        assert single_problem(text) == text
