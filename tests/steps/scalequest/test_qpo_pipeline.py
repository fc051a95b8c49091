"""make_rows -> prequery -> rewrite -> qpo_pairs through the real runtime, over real HTTP.

The scripted server answers the bare Qwen pre-query (on /v1/completions, which ignores `stop`) with
four completions per request: a question followed by the assistant's turn (cut at the stop string), an
empty one, and two more questions. The optimizer's answers then cover each outcome: no marker, a
rewrite that only re-spaces the question, and a real rewrite that becomes the preference pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import datasets  # type: ignore[import-untyped]
import polars as pl
import pytest

from pysynth.dag import compile_pipeline
from pysynth.errors import SpecError
from pysynth.runtime import run_pipeline
from pysynth.runtime.frames import ROW_ID
from pysynth.scalequest.qpo import objective_for
from pysynth.scalequest.templates import NAMED
from pysynth.spec import load_spec
from tests.runtime.pipeline_files import write_pipeline
from tests.support.openai_server import OpenAIServer

STEPS = "pysynth.steps.scalequest"
ADDITION = "What is 12 + 30?"
SPACED = "A box holds 6 rows of 7 eggs. How many eggs are in 4 boxes?"
TRAIN = "A train leaves at 3 pm and arrives at 5 pm. How long is the trip?"
HARDER = ("A train leaves at 3:40 pm and arrives at 5:15 pm after two 5-minute stops. "
          "For how many minutes is it moving?")
SCRIPT = [
    {"match": "<|im_start|>user\n", "replies": [f"{ADDITION}<|im_end|>\n<|im_start|>assistant\n42", "  \n",
                                                f"  {SPACED}\n", TRAIN]},
    {"match": ADDITION, "replies": ["This question is fine as it is, so I leave it."]},
    {"match": SPACED, "replies": [("Nothing to change.\nRewritten question:\nA box holds 6 rows of 7 eggs.\n"
                                   "How many eggs  are in 4 boxes?")]},
    {"match": TRAIN, "replies": [f"Needs more steps.\nRewritten question: Draft.\nBetter:\nRewritten question: {HARDER}"]},
]


def pipeline(tmp_path: Path, server: OpenAIServer, prequery_llm: str = "api: completions",
             prequery_params: str = "template: qwen, num_generations: 4") -> Path:
    return write_pipeline(tmp_path, f"""
    name: qpo
    defaults:
      batch_size: 2
      llm: {{base_url: "{server.base_url}", model: m}}
    steps:
      - {{name: requests, type: make_rows, params: {{count: 2}}}}
      - name: prequery
        type: {STEPS}.prequery:ScaleQuestPreQuery
        params: {{{prequery_params}}}
        llm: {{{prequery_llm}, generation: {{temperature: 1.0, top_p: 0.99, max_tokens: 64}}}}
      - name: rewrite
        type: {STEPS}.rewrite:ScaleQuestRewrite
        params: {{objective: mix, mix_ratio: 0.5, seed: 3}}
        llm: {{generation: {{temperature: 0.0}}}}
      - {{name: pairs, type: {STEPS}.qpo_pairs:ScaleQuestQPOPairs}}
    export: {{steps: [prequery, rewrite, pairs]}}
    """)


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(script=SCRIPT) as running:
        yield running


def test_questions_are_sampled_rewritten_and_paired_with_every_drop_named(tmp_path: Path, server: OpenAIServer) -> None:
    result = run_pipeline(compile_pipeline(load_spec(pipeline(tmp_path, server))), tmp_path / "out")
    steps = result.manifest.steps
    assert steps["prequery"].rows_in == 2 and steps["prequery"].rows_out == 6
    assert steps["prequery"].dropped_by_reason == {"prequery: empty question": 2}
    assert steps["rewrite"].dropped_by_reason == {"rewrite: no rewritten question": 2, "rewrite: unchanged": 2}

    questions = pl.read_parquet(result.outputs["prequery"])
    assert sorted(questions["question"]) == sorted([ADDITION, SPACED, TRAIN] * 2)  # cut and stripped
    assert set(questions["pre_query"]) == {NAMED["qwen"].text}

    rewritten = pl.read_parquet(result.outputs["rewrite"])
    assert rewritten["rewritten"].to_list() == [HARDER] * 2  # the last marker wins
    for row in rewritten.iter_rows(named=True):
        assert row["objective"] == objective_for(row[ROW_ID], "mix", 0.5, 3), row[ROW_ID]

    pairs = pl.read_parquet(result.outputs["pairs"])
    assert pairs.select("prompt", "chosen", "rejected").rows() == [(NAMED["qwen"].text, HARDER, TRAIN)] * 2


def test_the_pairs_load_as_a_standard_trl_preference_dataset(tmp_path: Path, server: OpenAIServer) -> None:
    result = run_pipeline(compile_pipeline(load_spec(pipeline(tmp_path, server))), tmp_path / "out")
    rows = pl.read_parquet(result.outputs["pairs"]).drop(ROW_ID, strict=False).to_dicts()
    dataset = datasets.Dataset.from_list(rows)
    assert dataset.column_names == ["prompt", "chosen", "rejected"]
    assert all(isinstance(value, str) for row in dataset for value in row.values())


def test_the_request_is_the_bare_template_on_completions_with_its_stop_strings(tmp_path: Path) -> None:
    with OpenAIServer(script=SCRIPT) as running:
        path = write_pipeline(tmp_path, f"""
        name: only_prequery
        defaults: {{llm: {{base_url: "{running.base_url}", model: m}}}}
        steps:
          - {{name: requests, type: make_rows, params: {{count: 1}}}}
          - name: prequery
            type: {STEPS}.prequery:ScaleQuestPreQuery
            params: {{template: qwen, num_generations: 4}}
            llm: {{api: completions, generation: {{temperature: 1.0, top_p: 0.99}}}}
        """)
        run_pipeline(compile_pipeline(load_spec(path)), tmp_path / "out")
        stats = running.stats()
    sent = stats["last_body"]
    assert stats["by_path"].get("/v1/completions") == 1 and "/v1/chat/completions" not in stats["by_path"]
    assert sent["prompt"] == NAMED["qwen"].text and sent["n"] == 4
    assert sent["stop"] == list(NAMED["qwen"].stop)
    assert (sent["temperature"], sent["top_p"]) == (1.0, 0.99)


def test_a_template_from_the_model_config_is_read_relative_to_the_pipeline(tmp_path: Path, server: OpenAIServer) -> None:
    model = tmp_path / "model"
    model.mkdir()
    chatml = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
              "{% endfor %}")
    (model / "tokenizer_config.json").write_text(f'{{"chat_template": "{chatml}", "eos_token": "<|im_end|>"}}')
    path = pipeline(tmp_path, server, prequery_params="template_from: model/tokenizer_config.json, "
                    "system_prompt: You write math questions., num_generations: 4")
    result = run_pipeline(compile_pipeline(load_spec(path)), tmp_path / "out")
    questions = pl.read_parquet(result.outputs["prequery"])
    assert set(questions["pre_query"]) == {"<|im_start|>system\nYou write math questions.<|im_end|>\n<|im_start|>user\n"}
    assert sorted(set(questions["question"])) == sorted([ADDITION, SPACED, TRAIN])


@pytest.mark.parametrize(("llm", "params", "message"), [
    ("api: chat", "template: qwen", "needs `api: completions` (got 'chat')"),
    ("api: completions", "num_generations: 2", "give exactly one of template"),
    ("api: completions", "template: qwen, template_from: x.json", "no such file 'x.json'"),
    ("api: completions", "template: vicuna", "unknown template 'vicuna'"),
    ("api: completions", "template: gemma, system_prompt: hi", "template 'gemma' has no system role"),
    ("api: completions", "template_from: ., num_generations: 2", "is a directory: name its tokenizer_config.json"),
])
def test_a_misconfigured_prequery_step_is_a_spec_error_naming_it(
        tmp_path: Path, server: OpenAIServer, llm: str, params: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        compile_pipeline(load_spec(pipeline(tmp_path, server, prequery_llm=llm, prequery_params=params)))
    text = str(raised.value)
    assert "steps[1].params" in text and message in text and "\n" not in text, text


def test_stop_strings_of_the_llm_block_are_sent_instead_and_answers_are_still_cut_at_the_turn_end(
        tmp_path: Path) -> None:
    with OpenAIServer(script=SCRIPT) as running:
        path = write_pipeline(tmp_path, f"""
        name: own_stop
        defaults: {{llm: {{base_url: "{running.base_url}", model: m}}}}
        steps:
          - {{name: requests, type: make_rows, params: {{count: 1}}}}
          - name: prequery
            type: {STEPS}.prequery:ScaleQuestPreQuery
            params: {{template: qwen, num_generations: 4}}
            llm: {{api: completions, generation: {{stop: ["###"]}}}}
        """)
        result = run_pipeline(compile_pipeline(load_spec(path)), tmp_path / "out")
        sent = running.stats()["last_body"]
    assert sent["stop"] == ["###"]
    assert ADDITION in pl.read_parquet(result.outputs["prequery"])["question"].to_list()
