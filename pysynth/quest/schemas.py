"""JSON schemas of the answers QueST asks for, sent as `json_schema:` so even a weak model parses."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from pysynth.quest.concepts import MAX_KNOWLEDGE_POINTS, MAX_TOPICS

ConceptName = Annotated[str, StringConstraints(min_length=2, max_length=60)]
TestInput = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
MAX_LINES = 50
MAX_LINE_CHARS = 400


class ConceptAnswer(BaseModel):
    """The concept-extraction answer: broad topics and fine-grained knowledge points."""

    model_config = ConfigDict(extra="forbid")

    topics: list[ConceptName] = Field(min_length=1, max_length=MAX_TOPICS)
    knowledge_points: list[ConceptName] = Field(min_length=1, max_length=MAX_KNOWLEDGE_POINTS)


class InputsAnswer(BaseModel):
    """Test inputs, each the lines the program reads on standard input, in order, one string a line.

    Lines, not one string per input: asked for strings with "\\n" inside, a small model writes one
    line per string, and a two-line input becomes two broken ones."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[list[Annotated[str, StringConstraints(max_length=MAX_LINE_CHARS)]]] = Field(min_length=1, max_length=20)


@cache
def inputs_answer(count: int, max_lines: int = MAX_LINES, max_line_chars: int = MAX_LINE_CHARS) -> type[InputsAnswer]:
    """`InputsAnswer` holding exactly `count` inputs of 1 to `max_lines` lines of at most
    `max_line_chars` characters. Constrained decoding then keeps writing until there are as many as
    the prompt asks for (left to itself a small model stops after one or two, often the statement's
    example), and a line or an input that repeats itself is closed at its bound instead of running
    to max_tokens and taking the whole answer with it."""
    line = Annotated[str, StringConstraints(max_length=max_line_chars)]
    lines = Annotated[list[line], Field(min_length=1, max_length=max_lines)]
    listed = (list[lines], Field(min_length=count, max_length=count))
    return create_model(f"InputsAnswer{count}x{max_lines}x{max_line_chars}", __base__=InputsAnswer, inputs=listed)
