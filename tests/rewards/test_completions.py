"""pysynth.rewards.completions: the answer text of trl's plain and conversational completions."""

from __future__ import annotations

import pytest

from pysynth.errors import InputError
from pysynth.rewards.completions import completion_text


def test_a_plain_completion_is_its_own_text() -> None:
    assert completion_text("```python\nprint(1)\n```", 0) == "```python\nprint(1)\n```"


def test_a_conversation_answers_with_its_last_assistant_message() -> None:
    conversation = [{"role": "assistant", "content": "draft"}, {"role": "user", "content": "again"},
                    {"role": "assistant", "content": "final"}, {"role": "tool", "content": "ran"}]
    assert completion_text(conversation, 0) == "final"


def test_content_parts_are_joined_and_non_text_parts_left_out() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]
    assert completion_text([{"role": "assistant", "content": parts}], 0) == "ab"


def test_a_conversation_without_an_assistant_message_has_no_text() -> None:
    assert completion_text([{"role": "user", "content": "hi"}], 0) is None


@pytest.mark.parametrize("completion", [7, [["role", "assistant"]], [{"role": "assistant", "content": 3}]])
def test_a_completion_of_another_shape_is_a_callers_mistake_named_by_index(completion: object) -> None:
    with pytest.raises(InputError, match=r"^completion 4: "):
        completion_text(completion, 4)  # type: ignore[arg-type]
