"""`llm: generation:` is checked field by field and reaches the request as the fields written."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from pysynth.errors import SpecError
from pysynth.spec import PipelineSpec, load_spec
from pysynth.spec.generation import GenerationSpec, request_fields

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # distilabel's import warns about pydantic
    from pysynth.dag import compile_pipeline

PIPELINE = """\
name: demo
defaults:
  llm: {{base_url: "http://127.0.0.1:9/v1", model: tiny, generation: {defaults}}}
steps:
  - name: seed
    type: make_rows
    params: {{count: 3}}
  - name: ask
    type: generate
    params: {{template: "Write about {{text}}."}}
    llm: {{generation: {own}}}
"""


def write(tmp_path: Path, defaults: str = "{}", own: str = "{}") -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(PIPELINE.format(defaults=defaults, own=own))
    return path


def sent(tmp_path: Path, defaults: str = "{}", own: str = "{}", env: dict[str, str] | None = None) -> dict[str, Any]:
    """The sampling fields the step's LLM client sends."""
    compiled = compile_pipeline(load_spec(write(tmp_path, defaults, own), env=env or {}))
    kwargs: dict[str, Any] = compiled.nodes["ask"].step.llm.generation_kwargs
    return kwargs


def test_values_from_the_environment_are_sent_as_numbers(tmp_path: Path) -> None:
    own = "{temperature: '${TEMPERATURE:-0.7}', max_tokens: '${MAX_TOKENS}', seed: 7}"
    assert sent(tmp_path, own=own, env={"MAX_TOKENS": "128"}) == {"temperature": 0.7, "max_tokens": 128, "seed": 7}


def test_a_step_overrides_the_defaults_field_by_field(tmp_path: Path) -> None:
    fields = sent(tmp_path, defaults="{temperature: 0.2, max_tokens: 64}", own="{temperature: 1}")
    assert fields == {"temperature": 1.0, "max_tokens": 64}


def test_extra_body_is_sent_beside_the_checked_fields(tmp_path: Path) -> None:
    own = "{top_k: 20, chat_template_kwargs: {enable_thinking: false}, extra_body: {separate_reasoning: true}}"
    assert sent(tmp_path, own=own) == {"top_k": 20, "chat_template_kwargs": {"enable_thinking": False},
                                       "separate_reasoning": True}


def test_logit_bias_keys_are_token_ids_sent_as_strings() -> None:
    fields = GenerationSpec.model_validate({"logit_bias": {50256: -100, "13": 5}}).model_dump(exclude_unset=True)
    assert fields == {"logit_bias": {"50256": -100.0, "13": 5.0}}


@pytest.mark.parametrize(
    ("own", "message"),
    [
        ("{temperature: 2.5}", "generation.temperature: must be at most 2 (got 2.5)"),
        ("{temperature: -0.1}", "generation.temperature: must be at least 0 (got -0.1)"),
        ("{top_p: 0}", "generation.top_p: must be greater than 0 (got 0)"),
        ("{top_k: -2}", "generation.top_k: must be at least -1 (got -2)"),
        ("{min_p: 1.5}", "generation.min_p: must be at most 1 (got 1.5)"),
        ("{max_tokens: 0}", "generation.max_tokens: must be at least 1 (got 0)"),
        ("{max_tokens: 1.5}", "generation.max_tokens: must be a whole number (got 1.5)"),
        ("{max_tokens: true}", "generation.max_tokens: must be an integer (got true)"),
        ("{seed: 1.0e+30}", "generation.seed: must be a smaller whole number (got 1e+30)"),
        ("{stop: ''}", "generation.stop: must not be an empty string"),
        ("{stop: [end, '']}", "generation.stop: must not hold an empty string"),
        ("{stop: 3}", "generation.stop: must be a string or a list of strings"),
        ("{stop_token_ids: []}", "generation.stop_token_ids: must not be empty"),
        ("{presence_penalty: 3}", "generation.presence_penalty: must be at most 2 (got 3)"),
        ("{logprobs: 21}", "generation.logprobs: must be true, false, or a number of top candidates from 0 to 20"),
        ("{top_logprobs: 30}", "generation.top_logprobs: must be at most 20 (got 30)"),
        ("{logit_bias: {word: 1}}", "generation.logit_bias: keys must be token ids (got 'word')"),
        ("{temperature: .inf}", "generation.temperature: must be a finite number (got inf)"),
        ("{max_new_tokens: 9}", "generation.max_new_tokens: unknown field 'max_new_tokens' (did you mean "
         "'max_tokens'?)"),
        ("{max_completion_tokens: 9}", "generation.max_completion_tokens: unknown field 'max_completion_tokens' "
         "(write max_tokens"),
        ("{json_schema: {type: object}}", "generation.json_schema: unknown field 'json_schema' (set it as "
         "llm.json_schema, beside generation)"),
        ("{stream: true}", "generation.stream: unknown field 'stream' (pysynth reads whole answers: streaming cannot "
         "be turned on)"),
        ("{extra_body: {n: 2}}", "generation.extra_body: 'n': pysynth sets n itself"),
        ("{extra_body: {top_p: 0.5}}", "generation.extra_body: 'top_p' is a checked field: set it under generation"),
    ],
)
def test_a_bad_sampling_field_is_located(tmp_path: Path, own: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        load_spec(write(tmp_path, own=own), env={})
    assert "pipeline.yaml:11:" in str(raised.value) and f"steps[1].llm.{message}" in str(raised.value), raised.value


def test_request_fields_merge_extra_body() -> None:
    assert request_fields({"temperature": 0.5, "extra_body": {"ebnf": "root ::= 'a'"}}) == {
        "temperature": 0.5, "ebnf": "root ::= 'a'"}
    assert request_fields({"seed": None}) == {"seed": None}  # the client drops it


def test_the_json_schema_shows_the_sampling_fields_as_a_closed_object() -> None:
    generation = PipelineSpec.model_json_schema()["$defs"]["LLMSpec"]["properties"]["generation"]
    assert generation["additionalProperties"] is False
    assert {"temperature", "top_p", "top_k", "min_p", "max_tokens", "stop", "seed", "extra_body"} <= set(
        generation["properties"])
