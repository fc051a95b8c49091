"""`llm: generation:`: the sampling fields an LLM step sends with each request, each typed and bounded.

The fields are those OpenAI-compatible servers read (OpenAI's chat/completions API, plus the
sampling extras SGLang and vLLM accept); the bounds are the ones those servers enforce, so a typo
or an out-of-range value is an error before the run rather than a 400 on every row. A field only
one server knows goes under `extra_body` and is sent as it is. `n` is not here: pysynth sets it
from the step's `num_generations`.

The validated block is kept as a dict of the fields written (values normalized), so a spec dumps
and loads back unchanged; `request_fields` turns it into what a request sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

INT64 = 2**63

# Fields people put under `generation` that belong elsewhere, and where.
MISPLACED: Mapping[str, str] = {
    "n": "pysynth sets n itself: ask for several answers with the step's params.num_generations",
    "num_generations": "num_generations is a parameter of the step: set it under the step's params",
    "max_completion_tokens": "write max_tokens (the limit every OpenAI-compatible server and the request cache read)",
    "regex": "regex constrains the answer: set it as llm.regex, beside generation",
    "json_schema": "set it as llm.json_schema, beside generation",
    "response_format": "structured answers are llm.json_schema (a pydantic model's import path or a JSON Schema)",
    "model": "set it as llm.model, beside generation",
    "stream": "pysynth reads whole answers: streaming cannot be turned on",
    "messages": "the step's template writes the prompt",
    "prompt": "the step's template writes the prompt",
    "timeout": "the time limit per request is llm.timeout_s",
}


def _not_bool(kind: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool):  # YAML's true/false would pass as 1/0
            raise ValueError(f"must be {kind} (got {str(value).lower()})")
        return value

    return BeforeValidator(check)


Number = Annotated[float, _not_bool("a number")]
Integer = Annotated[int, _not_bool("an integer")]


class GenerationSpec(BaseModel):
    """The sampling fields of one request; omitted ones are the server's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    temperature: Number | None = Field(default=None, ge=0, le=2, description="0 is greedy.")
    top_p: Number | None = Field(default=None, gt=0, le=1, description="Nucleus sampling mass.")
    top_k: Integer | None = Field(default=None, ge=-1, description="Candidates per token; -1 or 0: no limit.")
    min_p: Number | None = Field(default=None, ge=0, le=1, description="Least probability relative to the top token.")
    max_tokens: Integer | None = Field(default=None, ge=1, description="Tokens an answer may have at most.")
    min_tokens: Integer | None = Field(default=None, ge=0, description="Tokens an answer has at least (SGLang, vLLM).")
    stop: str | list[str] | None = Field(default=None, description="A string, or strings, that end an answer.")
    stop_token_ids: list[Annotated[Integer, Field(ge=0)]] | None = Field(
        default=None, min_length=1, description="Token ids that end an answer (SGLang, vLLM)."
    )
    seed: Integer | None = Field(default=None, ge=-INT64, lt=INT64, description="Sampling seed.")
    frequency_penalty: Number | None = Field(default=None, ge=-2, le=2)
    presence_penalty: Number | None = Field(default=None, ge=-2, le=2)
    repetition_penalty: Number | None = Field(default=None, gt=0, le=2, description="1 is none (SGLang, vLLM).")
    logprobs: bool | int | None = Field(
        default=None, description="chat: true/false; completions: how many top candidates to return (0 to 20)."
    )
    top_logprobs: Integer | None = Field(default=None, ge=0, le=20, description="chat: top candidates per token.")
    logit_bias: dict[str, Annotated[Number, Field(ge=-100, le=100)]] | None = Field(
        default=None, description="Token id -> bias added to its logit."
    )
    ignore_eos: bool | None = Field(default=None, description="Go on past the end-of-sequence token.")
    skip_special_tokens: bool | None = None
    spaces_between_special_tokens: bool | None = None
    no_stop_trim: bool | None = Field(default=None, description="Keep the stop string in the answer (SGLang).")
    chat_template_kwargs: dict[str, Any] | None = Field(
        default=None, description="Arguments of the server's chat template, e.g. {enable_thinking: false}."
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="Fields only your server knows, sent as they are (not checked); a "
        "step's extra_body replaces the one of defaults.llm.",
    )

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_strings(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value:
                raise ValueError("must not be an empty string")
            return value
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("must be a string or a list of strings")
        if not value:
            raise ValueError("must not be empty (omit stop for none)")
        if not all(value):
            raise ValueError("must not hold an empty string")
        return value

    @field_validator("logprobs", mode="before")
    @classmethod
    def _logprobs(cls, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int) and 0 <= value <= 20:
            return value
        raise ValueError(f"must be true, false, or a number of top candidates from 0 to 20 (got {value!r})")

    @field_validator("logit_bias", mode="before")
    @classmethod
    def _token_id_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key in value:
            token_id = isinstance(key, int) and not isinstance(key, bool)
            if not (token_id or (isinstance(key, str) and key.isascii() and key.isdigit())):
                raise ValueError(f"keys must be token ids (got {key!r})")
        return {str(key): bias for key, bias in value.items()}

    @field_validator("extra_body")
    @classmethod
    def _not_a_checked_field(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if key in cls.model_fields:
                raise ValueError(f"'{key}' is a checked field: set it under generation itself")
            if key in MISPLACED:
                raise ValueError(f"'{key}': {MISPLACED[key]}")
        return value


def request_fields(generation: Mapping[str, Any]) -> dict[str, Any]:
    """A validated `generation` block as a request sends it: `extra_body` merged in (a `null` stays:
    the client drops it)."""
    fields = {key: value for key, value in generation.items() if key != "extra_body"}
    return {**fields, **generation.get("extra_body", {})}


def unknown_field_hint(key: str, close: str | None) -> str:
    """What to say after `unknown field 'key'` under `generation` (`close`: the field it looks like)."""
    if key in MISPLACED:
        return f" ({MISPLACED[key]})"
    if close is not None:
        return f" (did you mean '{close}'?)"
    return " (a field only your server knows goes under extra_body)"


@dataclass(frozen=True)
class ValidatedBy:
    """Annotation of a dict field whose contents `model` checks: the field keeps the fields written
    (as `model` normalized them), and the JSON Schema shows the model's."""

    model: type[BaseModel]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._written_fields, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(self.model.__pydantic_core_schema__)

    def _written_fields(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value  # the dict schema reports it
        return self.model.model_validate(value).model_dump(exclude_unset=True)


GenerationFields = Annotated[dict[str, Any], ValidatedBy(GenerationSpec)]
