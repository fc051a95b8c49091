"""The predict step: its parameters checked, its schema built from the dimensions and sent over the
wire, its answers parsed and weighted, and unusable ones dropped with the dimension at fault."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from pysynth.dag import compile_pipeline
from pysynth.llm import OpenAICompatibleLLM
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.base import Dropped
from pysynth.steps.microcoder.predict_difficulty import PredictDifficulty
from tests.runtime.pipeline_files import write_pipeline
from tests.support.openai_server import OpenAIServer

UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")
STEP = "pysynth.steps.microcoder.predict_difficulty:PredictDifficulty"


def predictor(**params: Any) -> PredictDifficulty:
    return PredictDifficulty(name="predict", llm=UNUSED_LLM, **params)


def test_answers_become_scores_and_their_weighted_mean() -> None:
    step = predictor(dimensions={"insight": 3, "code": 1})
    parsed = step.parse('{"insight": 4, "code": 7}', {"prompt": "p"})
    assert parsed == {"difficulty_scores": {"insight": 4, "code": 7}, "predicted_difficulty": pytest.approx(3.75 / 9)}


def test_an_unusable_answer_is_dropped_with_the_dimension_at_fault() -> None:
    step = predictor(dimensions={"insight": 3, "code": 1})
    assert step.parse('{"insight": 4, "code": 12}', {}) == Dropped(
        "predict: unusable answer", detail="code: 12 is not an integer from 1 to 10")
    assert step.parse(None, {}) == Dropped("predict: unusable answer", detail="no JSON object: ''")


def test_the_schema_is_built_from_the_dimensions_unless_the_llm_block_constrains_answers() -> None:
    schema = predictor().answer_format()
    assert schema is not None
    assert schema.model_json_schema()["required"] == ["algorithmic_insight", "implementation_complexity",
                                                      "mathematical_depth", "constraint_handling", "edge_cases"]
    own = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused", generation_kwargs={"regex": "[{].*"})
    assert PredictDifficulty(name="predict", llm=own).answer_format() is None


def test_the_prompt_shows_the_problem_and_each_rubric() -> None:
    step = predictor(dimensions={"insight": 1.0}, rubrics={"insight": "1: obvious; 10: a flash of genius."},
                     problem_column="statement")
    prompt = step.prompt({"statement": "Sort n numbers."})
    assert "- insight: 1: obvious; 10: a flash of genius." in prompt and prompt.endswith("Sort n numbers.")
    assert step.inputs == ["statement"]


@pytest.mark.parametrize(("params", "message"), [
    ({"dimensions": {}}, "at least one dimension"),
    ({"dimensions": {"edge cases": 1.0}}, "a name is an identifier"),
    ({"dimensions": {"insight": -0.5}}, "weight -0.5 is not a positive number"),
    ({"dimensions": {"insight": True}}, "valid number"),
    ({"dimensions": {"insight": 1.0}, "rubrics": {"insihgt": "typo"}}, "rubrics for dimensions that are not scored: insihgt"),
])
def test_unusable_parameters_are_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        predictor(**params)


def test_the_step_sends_its_schema_and_keeps_scores_over_the_wire(tmp_path: Path) -> None:
    script = [{"match": "Dimensions and rubric", "replies": ['{"insight": 10, "code": 1}']}]
    with OpenAIServer(script=script) as server:
        body = f"""
        name: predict
        defaults:
          llm: {{base_url: "{server.base_url}", model: m}}
        steps:
          - {{name: src, type: make_rows, params: {{count: 2, columns: {{prompt: "Problem {{i}}."}}}}}}
          - {{name: predict, type: "{STEP}", params: {{dimensions: {{insight: 1, code: 1}}}}}}
        """
        result = run_pipeline(compile_pipeline(load_spec(write_pipeline(tmp_path, body))), tmp_path / "out")
        sent = server.stats()["last_body"]
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["insight", "code"] and schema["properties"]["code"]["maximum"] == 10
    rows = pl.read_parquet(result.outputs["predict"])
    assert rows["predicted_difficulty"].to_list() == [0.5, 0.5]
    assert rows["difficulty_scores"].to_list() == [{"insight": 10, "code": 1}] * 2
