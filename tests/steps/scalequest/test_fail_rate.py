"""The fail-rate answers stage (k finals, grouped) and the band step that labels and keeps questions."""

from __future__ import annotations

import pytest
from distilabel.pipeline import Pipeline

from pysynth.errors import InputError
from pysynth.llm import OpenAICompatibleLLM
from pysynth.steps.base import Dropped
from pysynth.steps.scalequest.fail_rate import FailRateAnswers
from pysynth.steps.scalequest.fail_rate_band import FailRateBand

UNUSED_LLM = OpenAICompatibleLLM(base_url="http://127.0.0.1:9/v1", model="unused")
QUESTION = "What is the sum of the first 4 positive odd numbers?"


def band(**params: object) -> FailRateBand:
    return FailRateBand(name="band", pipeline=Pipeline(name="unit"), **params)


def test_the_solver_is_asked_with_the_authors_boxed_instruction_k_times() -> None:
    step = FailRateAnswers(name="solve", llm=UNUSED_LLM)
    assert step.prompt({"question": QUESTION}) == (
        QUESTION + "\nPlease reason step by step, and put your final answer within \\boxed{}.")
    assert step.group_generations and step.num_generations == 8


def test_each_answer_becomes_its_final_and_one_without_is_kept_as_none() -> None:
    step = FailRateAnswers(name="solve", llm=UNUSED_LLM)
    assert step.parse("1 + 3 + 5 + 7 = \\boxed{16}", {}) == {"answers": "16"}
    assert step.parse("sixteen, I think", {}) == {"answers": None}
    assert step.parse(None, {}) == {"answers": None}


def test_a_question_inside_the_band_gets_its_label_and_rate() -> None:
    row = {"question": QUESTION, "answers": ["16", "16.0", "\\frac{32}{2}", None]}
    assert band().transform(row) == {**row, "label": "16", "agreeing": 3, "fail_rate": pytest.approx(0.25)}


@pytest.mark.parametrize(("answers", "params", "detail"), [
    (["16"] * 4, {"min_fail_rate": 0.1}, "0.000 not in [0.1, 0.75]"),
    (["1", "2", "3", "4"], {"max_fail_rate": 0.5}, "0.750 not in [0.0, 0.5]"),
])
def test_a_question_outside_the_band_is_dropped_with_its_rate(
        answers: list[str], params: dict[str, float], detail: str) -> None:
    assert band(**params).transform({"answers": answers}) == Dropped("fail rate: outside the band", detail=detail)


def test_a_question_no_answer_finished_is_dropped_under_its_own_reason() -> None:
    assert band().transform({"answers": [None, None]}) == Dropped("fail rate: no answer has a final")


def test_a_reference_column_labels_by_the_dataset_answer() -> None:
    step = band(reference_column="solution", max_fail_rate=1.0)
    row = {"answers": ["15", "15", "16", None], "solution": "The odd numbers add to $\\boxed{16}$."}
    kept = step.transform(row)
    assert isinstance(kept, dict) and (kept["label"], kept["agreeing"], kept["fail_rate"]) == ("16", 1, 0.75)
    assert step.inputs == ["answers", "solution"]
    with pytest.raises(InputError, match="^solution: the reference answer is missing or not text$"):
        step.transform({"answers": ["1"], "solution": None})


def test_the_band_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="min_fail_rate 0.9 is above max_fail_rate 0.5"):
        band(min_fail_rate=0.9, max_fail_rate=0.5)
