"""The text of one completion, in either of the two shapes trl hands a reward function.

- standard: the completion is a string (the prompt was a string too);
- conversational: it is a list of messages, `{"role", "content"}`; the answer is the content of the
  last assistant message (a tool-calling rollout may end with tool turns after it, and an earlier
  assistant turn is a draft the model went on from). The content may be a string or a list of
  parts (`{"type": "text", "text": ...}`), as multimodal chat templates write it; the text parts are
  joined.

A completion of any other shape is a caller's mistake (a wrong column passed as completions), not a
bad answer to score 0, so it raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from pysynth.errors import InputError

Message = Mapping[str, object]
Completion: TypeAlias = str | Sequence[Message]

NO_ASSISTANT_MESSAGE = "the conversation has no assistant message"


def completion_text(completion: Completion, index: int) -> str | None:
    """The answer text of `completion` (the `index`-th of its batch); None when a conversation has
    no assistant message."""
    if isinstance(completion, str):
        return completion
    if not isinstance(completion, Sequence):
        what = type(completion).__name__
        raise InputError(f"completion {index}: expected a string or a list of messages, got {what}")
    for message in reversed(completion):
        if not isinstance(message, Mapping):
            what = type(message).__name__
            raise InputError(f"completion {index}: a message is {what}, not an object with role and content")
        if message.get("role") == "assistant":
            return _content_text(message.get("content"), index)
    return None


def _content_text(content: object, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        texts = []
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(str(part["text"]))
        return "".join(texts)
    what = type(content).__name__
    raise InputError(f"completion {index}: the assistant content is {what}, not text or a list of parts")
