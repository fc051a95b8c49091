"""JSON schemas of the answers QueST asks for, sent as `json_schema:` so even a weak model parses."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from pysynth.quest.concepts import MAX_KNOWLEDGE_POINTS, MAX_TOPICS

ConceptName = Annotated[str, StringConstraints(min_length=2, max_length=60)]
TestInput = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ConceptAnswer(BaseModel):
    """The concept-extraction answer: broad topics and fine-grained knowledge points."""

    model_config = ConfigDict(extra="forbid")

    topics: list[ConceptName] = Field(min_length=1, max_length=MAX_TOPICS)
    knowledge_points: list[ConceptName] = Field(min_length=1, max_length=MAX_KNOWLEDGE_POINTS)


class InputsAnswer(BaseModel):
    """Test inputs, each exactly what the program reads on standard input."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[TestInput] = Field(min_length=1, max_length=20)


@cache
def inputs_answer(count: int) -> type[InputsAnswer]:
    """`InputsAnswer` holding exactly `count` inputs. Constrained decoding then keeps writing until
    there are as many as the prompt asks for: left to itself a small model stops after one or two
    (often the statement's example), and the problem is dropped for too few."""
    listed = (list[TestInput], Field(min_length=count, max_length=count))
    return create_model(f"InputsAnswer{count}", __base__=InputsAnswer, inputs=listed)
