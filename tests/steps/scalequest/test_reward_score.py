"""reward_score: both backends through the step, and load_file -> reward_score -> best_of_n in the runtime."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from pysynth.dag import compile_pipeline
from pysynth.errors import InputError
from pysynth.runtime import run_pipeline
from pysynth.spec import load_spec
from pysynth.steps.contract import ConcurrentRows
from pysynth.steps.scalequest.reward_score import RewardScore
from tests.scalequest.tiny_reward import QUESTION, build_tiny_reward_model
from tests.support.reward_server import RewardServer

OTHER = "what is one plus one"


def step(**params: object) -> RewardScore:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distilabel warns about a step made outside a pipeline
        return RewardScore(name="reward", **params)


@pytest.fixture(scope="module")
def planted_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    torch.set_num_threads(1)  # two OpenMP threads on a busy 2-core machine spin against each other
    return build_tiny_reward_model(tmp_path_factory.mktemp("planted-rm"),
                                   planted={"four": 3.0, "two": 2.0, "five": -3.0})


def test_the_sglang_backend_adds_the_servers_score_as_reward() -> None:
    with RewardServer({"equals four": 1.5}) as server:
        scorer = step(backend="sglang", url=server.url, model="rm")
        assert isinstance(scorer, ConcurrentRows)
        scorer.load()
        row = {"question": QUESTION, "response": "it equals four", "id": 7}
        assert scorer.transform(row) == {**row, "reward": 1.5}
        scorer.unload()


def test_each_backend_needs_its_settings_and_a_row_needs_its_texts() -> None:
    with pytest.raises(ValidationError, match="backend sglang needs `url`"):
        step(backend="sglang")
    with pytest.raises(ValidationError, match="backend transformers needs `model_path`"):
        step(backend="transformers")
    with pytest.raises(InputError, match="row 3: 'response' is None, not a non-empty text"):
        step(backend="sglang", url="http://127.0.0.1:9").transform({"id": 3, "question": "q", "response": None})


def test_the_transformers_backend_scores_rows_in_the_step(planted_model: Path) -> None:
    scorer = step(backend="transformers", model_path=str(planted_model))
    four, five = (scorer.transform({"question": QUESTION, "response": f"it equals {word}"}) for word in ("four", "five"))
    assert isinstance(four, dict) and isinstance(five, dict)
    four, five = four["reward"], five["reward"]
    assert four > five, (four, five)  # "two" in the question is planted too: only the order is known
    assert scorer.score_pairs([(QUESTION, "it equals four")]) == pytest.approx([four], abs=1e-5)


def test_a_pipeline_keeps_the_best_scored_response_of_each_question(tmp_path: Path, planted_model: Path) -> None:
    rows = [{"question": QUESTION, "response": "two plus two equals five"},
            {"question": QUESTION, "response": "two plus two equals four"},
            {"question": QUESTION, "response": "it equals three"},
            {"question": OTHER, "response": "one plus one equals five"},
            {"question": OTHER, "response": "one plus one equals two"}]
    (tmp_path / "responses.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (tmp_path / "pipeline.yaml").write_text(
        "name: best-of-n\ndefaults: {batch_size: 2}\nsteps:\n"
        "  - {name: responses, type: load_file, params: {path: responses.jsonl}}\n"
        "  - {name: reward, type: 'pysynth.steps.scalequest.reward_score:RewardScore',\n"
        f"     params: {{backend: transformers, model_path: '{planted_model}', batch_size: 4}}}}\n"
        "  - {name: best, type: 'pysynth.steps.scalequest.best_of_n:BestOfN'}\n")
    result = run_pipeline(compile_pipeline(load_spec(tmp_path / "pipeline.yaml")), tmp_path / "out")
    assert result.manifest.status == "completed"
    best = result.manifest.steps["best"]
    assert best.dropped_by_reason == {"best-of-n: not the best response": 3}
    assert best.report == {"groups": 2, "rows_before": 5, "rows_after": 2}
    kept = pl.read_parquet(result.outputs["best"]).sort("question")
    assert kept["response"].to_list() == ["one plus one equals two", "two plus two equals four"]
    assert all(isinstance(value, float) for value in kept["reward"].to_list())
    dropped = pl.read_parquet(tmp_path / "out" / "dropped" / "best.parquet")
    assert all(detail.startswith("reward ") and "< best" in detail for detail in dropped["drop_detail"].to_list())
