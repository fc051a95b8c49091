"""pysynth.quest.answers: reasoning sections, fenced blocks and embedded JSON in model answers."""

from __future__ import annotations

from pysynth.quest.answers import FencedBlock, fenced_blocks, final_answer, first_json


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
