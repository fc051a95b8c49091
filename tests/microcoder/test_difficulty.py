"""Difficulty prediction's logic: dimensions checked, the answer schema, parsing and weighting."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pysynth.microcoder.difficulty import (
    DEFAULT_DIMENSIONS,
    DEFAULT_RUBRICS,
    GENERIC_RUBRIC,
    UnusableScores,
    check_dimensions,
    difficulty_answer,
    parse_scores,
    render_prompt,
    weighted_difficulty,
)

NAMES = list(DEFAULT_DIMENSIONS)


def test_the_default_weights_sum_to_one_and_every_default_has_a_rubric() -> None:
    assert sum(DEFAULT_DIMENSIONS.values()) == pytest.approx(1.0)
    assert set(DEFAULT_RUBRICS) == set(DEFAULT_DIMENSIONS)


@pytest.mark.parametrize(("dimensions", "message"), [
    ({}, "at least one dimension"),
    ({"edge cases": 1.0}, "'edge cases': a name is an identifier"),
    ({"1st": 1.0}, "'1st': a name is an identifier"),
    ({"insight": 0.0}, "'insight': weight 0.0 is not a positive number"),
    ({"insight": -1.0}, "weight -1.0 is not a positive number"),
    ({"insight": float("inf")}, "weight inf is not a positive number"),
    ({"insight": True}, "weight True is not a positive number"),
])
def test_unusable_dimensions_are_refused_with_the_name(dimensions: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        check_dimensions(dimensions)


def test_the_answer_schema_requires_an_integer_from_1_to_10_per_dimension() -> None:
    schema = difficulty_answer(("insight", "copy")).model_json_schema()
    assert schema["required"] == ["insight", "copy"]  # `copy` would shadow a pydantic method as a field name
    assert schema["additionalProperties"] is False
    assert schema["properties"]["insight"] == {"maximum": 10, "minimum": 1, "title": "Insight", "type": "integer"}
    model = difficulty_answer(("insight", "copy"))
    assert model.model_validate({"insight": 3, "copy": 10}).model_dump(by_alias=True) == {"insight": 3, "copy": 10}
    with pytest.raises(ValidationError):
        model.model_validate({"insight": 11, "copy": 1})


def test_scores_are_read_from_the_json_object_in_the_answer() -> None:
    answer = "Thinking done.\n```json\n" + json.dumps(dict.fromkeys(NAMES, 4) | {"edge_cases": 9}) + "\n```"
    assert parse_scores(answer, NAMES) == dict.fromkeys(NAMES, 4) | {"edge_cases": 9}


def test_keys_match_forgivingly_extra_keys_are_ignored_and_integral_floats_count() -> None:
    answer = json.dumps({"Algorithmic Insight": 7.0, "edge-cases": 2, "comment": "tricky"})
    assert parse_scores(answer, ["algorithmic_insight", "edge_cases"]) == {"algorithmic_insight": 7, "edge_cases": 2}


@pytest.mark.parametrize(("answer", "detail"), [
    ('{"insight": 5}', "depth: missing (answer keys: insight)"),
    ('{"insight": 5, "depth": 11}', "depth: 11 is not an integer from 1 to 10"),
    ('{"insight": 0, "depth": 3}', "insight: 0 is not an integer from 1 to 10"),
    ('{"insight": 5, "depth": 6.5}', "depth: 6.5 is not an integer"),
    ('{"insight": true, "depth": 6}', "insight: True is not an integer"),
    ('{"insight": "5", "depth": 6}', "insight: '5' is not an integer"),
    ("I would say about 5.", "no JSON object"),
    ('<think>the insight is {"insight": 5', "stops inside its <think> section"),
])
def test_unusable_answers_say_why(answer: str, detail: str) -> None:
    parsed = parse_scores(answer, ["insight", "depth"])
    assert isinstance(parsed, UnusableScores), f"{answer!r} was accepted as {parsed}"
    assert detail in parsed.detail


def test_the_prediction_is_the_weighted_mean_rescaled_to_the_unit_interval() -> None:
    weights = {"insight": 3.0, "depth": 1.0}
    assert weighted_difficulty({"insight": 1, "depth": 1}, weights) == 0.0
    assert weighted_difficulty({"insight": 10, "depth": 10}, weights) == 1.0
    # (3 * 4 + 1 * 7) / 4 = 4.75 on 1..10 -> 3.75 / 9.
    assert weighted_difficulty({"insight": 4, "depth": 7}, weights) == pytest.approx(3.75 / 9)
    assert weighted_difficulty(dict.fromkeys(NAMES, 10), DEFAULT_DIMENSIONS) == 1.0


def test_the_prompt_shows_each_dimension_with_its_rubric_and_the_problem() -> None:
    prompt = render_prompt("  Print the sum of two integers.  ", ["algorithmic_insight", "novelty"], DEFAULT_RUBRICS)
    assert f"- algorithmic_insight: {DEFAULT_RUBRICS['algorithmic_insight']}" in prompt
    assert f"- novelty: {GENERIC_RUBRIC}" in prompt
    assert '{"algorithmic_insight": <1-10>, "novelty": <1-10>}' in prompt
    assert prompt.endswith("Problem:\nPrint the sum of two integers.")
