"""MicroCoder's difficulty prediction: an LLM scores a problem from 1 to 10 on named, weighted
dimensions, and the prediction is the weighted mean of the scores rescaled to [0, 1].

The paper reports five weighted dimensions "including algorithmic thinking and implementation";
their names, weights, rubric and prompt are unpublished, so `DEFAULT_DIMENSIONS`,
`DEFAULT_RUBRICS` and `PROMPT` are ours. Weights need not sum to 1: the mean divides by their sum.

Parsing never raises on a bad answer: a model that ignores the format is a normal event, and the
caller turns `UnusableScores` into a drop with its detail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from pysynth.quest.answers import final_answer, first_json

SCORE_MIN, SCORE_MAX = 1, 10

DEFAULT_DIMENSIONS: dict[str, float] = {
    "algorithmic_insight": 0.3,
    "implementation_complexity": 0.2,
    "mathematical_depth": 0.2,
    "constraint_handling": 0.15,
    "edge_cases": 0.15,
}
"""Ours: the paper names only "algorithmic thinking and implementation" among its five."""

DEFAULT_RUBRICS: dict[str, str] = {
    "algorithmic_insight": "1: a direct simulation or formula anyone sees; 5: a standard technique (greedy, "
                           "BFS, DP) once it is recognised; 10: a non-obvious idea or reduction few contestants find.",
    "implementation_complexity": "1: a few lines; 5: a page of code with a common data structure; 10: long, "
                                 "intricate code where small slips break it (lazy segment trees, heavy casework).",
    "mathematical_depth": "1: arithmetic only; 5: combinatorics, modular arithmetic or a short proof; 10: deep "
                          "number theory, probability or a proof the whole solution rests on.",
    "constraint_handling": "1: limits so small that brute force passes; 5: the limits rule out the naive approach "
                           "(n up to 2*10^5 needs n log n); 10: limits that only a tight, optimal solution meets.",
    "edge_cases": "1: no special cases; 5: a few boundaries to get right (n = 1, empty parts, overflow); "
                  "10: many subtle cases that most first attempts miss.",
}
GENERIC_RUBRIC = "1: trivial in this respect; 5: a typical contest problem; 10: among the hardest contest problems."

PROMPT = """You are an experienced competitive-programming coach. Judge how hard the problem below is \
for a strong contestant to solve correctly within its limits. Read the whole statement and work out \
what a correct solution needs before you score. Rate each dimension on its own, from {low} (trivial) to \
{high} (among the hardest contest problems): a problem can need deep insight and little code.

Dimensions and rubric:
{rubric}

Answer with one JSON object holding an integer from {low} to {high} for every dimension, and nothing \
else: {example}

Problem:
{problem}"""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SEPARATORS = re.compile(r"[\s\-]+")


def check_dimensions(dimensions: Mapping[str, float]) -> dict[str, float]:
    """The dimensions as given, or a `ValueError` saying which one is unusable."""
    if not dimensions:
        raise ValueError("give at least one dimension (name: weight)")
    for name, weight in dimensions.items():
        if not _IDENTIFIER.match(name):
            raise ValueError(f"dimension {name!r}: a name is an identifier (letters, digits, underscores)")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight) or weight <= 0:
            raise ValueError(f"dimension {name!r}: weight {weight!r} is not a positive number")
    return dict(dimensions)


class DifficultyAnswer(BaseModel):
    """The base of the answer schema: one integer field per dimension (see `difficulty_answer`)."""

    model_config = ConfigDict(extra="forbid")


@cache
def difficulty_answer(names: tuple[str, ...]) -> type[DifficultyAnswer]:
    """The JSON schema the answer is constrained to: every dimension, an integer in 1..10.
    Fields are positional with the dimension name as alias, so a dimension called `copy` or
    `schema` cannot shadow a pydantic attribute; the schema shows the aliases."""
    score = Annotated[int, Field(ge=SCORE_MIN, le=SCORE_MAX)]
    fields: dict[str, Any] = {f"dimension_{index}": (score, Field(alias=name)) for index, name in enumerate(names)}
    return create_model("DifficultyScores", __base__=DifficultyAnswer, **fields)


def render_prompt(problem: str, dimensions: Sequence[str], rubrics: Mapping[str, str]) -> str:
    rubric = "\n".join(f"- {name}: {rubrics.get(name, GENERIC_RUBRIC)}" for name in dimensions)
    example = "{" + ", ".join(f'"{name}": <{SCORE_MIN}-{SCORE_MAX}>' for name in dimensions) + "}"
    return PROMPT.format(low=SCORE_MIN, high=SCORE_MAX, rubric=rubric, example=example, problem=problem.strip())


@dataclass(frozen=True)
class UnusableScores:
    """Why an answer gives no scores, with the part of it that shows it."""

    detail: str


def parse_scores(answer: str, dimensions: Sequence[str]) -> dict[str, int] | UnusableScores:
    """The integer score of every dimension from the first JSON object after any reasoning section.
    Keys match forgivingly ("Edge Cases", "edge-cases" are `edge_cases`); other keys are ignored;
    an integral float (7.0) counts as its integer. A missing dimension, or a score that is not an
    integer in 1..10, makes the answer unusable."""
    text = final_answer(answer)
    if text is None:
        return UnusableScores(f"the answer stops inside its <think> section: {answer[-120:]!r}")
    found = first_json(text, dict)
    if not isinstance(found, dict):
        return UnusableScores(f"no JSON object: {answer[:120]!r}")
    by_key = {_key(str(key)): value for key, value in found.items()}
    scores: dict[str, int] = {}
    for name in dimensions:
        if _key(name) not in by_key:
            return UnusableScores(f"{name}: missing (answer keys: {', '.join(map(str, found)) or 'none'})")
        value = by_key[_key(name)]
        score = _integer(value)
        if score is None or not SCORE_MIN <= score <= SCORE_MAX:
            return UnusableScores(f"{name}: {value!r} is not an integer from {SCORE_MIN} to {SCORE_MAX}")
        scores[name] = score
    return scores


def weighted_difficulty(scores: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """The weighted mean score rescaled from 1..10 to [0, 1] (all ones: 0; all tens: 1)."""
    total = sum(weights.values())
    mean = sum(weight * scores[name] for name, weight in weights.items()) / total
    # Clamped: the weighted sums of all-equal scores can miss the end points by one rounding step.
    return min(1.0, max(0.0, (mean - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)))


def _key(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower())


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
