"""ScaleQuest stage 2: questions sampled from a question generator by sending it a bare pre-query template.

Each input row (from `make_rows`: `count` is the number of requests) sends the same text, the chat
template up to and including the user header, to the COMPLETIONS api and gets `num_generations`
questions. The text cannot go to the chat api (the server would wrap it in a template of its own),
and this step cannot quietly switch its client over: the api is part of the step's request identity
(checkpoint fingerprint, request cache), which the `llm:` block decides. So the block must say
`api: completions`, and building the step fails with that sentence otherwise.

The template's stop strings are sent as `stop` unless the `llm:` block sets its own, and every answer is
also cut at the first of them: a server that ignores `stop`, or keeps the stop string, still yields
the question alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr

from pysynth.errors import ConfigError
from pysynth.scalequest.templates import TOKENIZER_CONFIG, PreQueryTemplate, named_template, template_from_model
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs

PRE_QUERY_COLUMN = "pre_query"


class ScaleQuestPreQuery(LLMStage):
    """Any row -> `question` (one row per generation) with the pre-query text kept as `pre_query` (the
    DPO prompt of `scalequest_qpo_pairs`). Empty questions are dropped as "prequery: empty question".
    The authors sample at temperature 1.0, top_p 0.99, up to 1024 tokens: set them in `llm.generation`."""

    columns_help: ClassVar[tuple[str, str]] = ("-", "pre_query, question, model_name")
    prompt_column: ClassVar[str | None] = PRE_QUERY_COLUMN
    # Resolved against the pipeline file's folder, checked, and hashed by content into the fingerprint.
    path_params: ClassVar[tuple[str, ...]] = ("template_from",)

    template: str | None = Field(default=None, description="A named template: qwen, deepseek, llama3 or gemma.")
    template_from: str | None = Field(
        default=None, description="A model's tokenizer_config.json file (not its directory, whose weights the "
        "checkpoint fingerprint would hash): its chat_template is rendered and cut at the user's message.")
    system_prompt: str | None = Field(
        default=None, description="A system turn before the user header, replacing a named template's default "
        "one (not the paper's: it steers a model that had no QFT towards questions; gemma has no system role).")

    _template: PreQueryTemplate | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        if (self.template is None) == (self.template_from is None):
            raise ConfigError("give exactly one of template (a name) or template_from (a model's tokenizer_config.json)")
        api = getattr(self.llm, "api", None)
        if api != "completions":
            raise ConfigError(f"this step sends a bare text prompt: its llm block needs `api: completions` (got {api!r})")
        if self.template is not None:
            named = named_template(self.template)
            self._template = named if self.system_prompt is None else named.with_system(self.system_prompt)
        else:
            assert self.template_from is not None
            if Path(self.template_from).is_dir():
                raise ConfigError(f"template_from: '{self.template_from}' is a directory: name its "
                                  f"{TOKENIZER_CONFIG} (a directory is hashed whole, weights too)")
            self._template = template_from_model(self.template_from, system=self.system_prompt)
        generation = dict(self.llm.generation_kwargs or {})
        if "stop" not in generation:  # the llm block's own stop strings win
            self.llm.generation_kwargs = {**generation, "stop": list(self._template.stop)}

    @property
    def pre_query(self) -> PreQueryTemplate:
        assert self._template is not None, "set by model_post_init"
        return self._template

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return []

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("question", prompt_column=self.prompt_column)

    def prompt(self, row: Row) -> str:
        return self.pre_query.text

    def format_input(self, input: dict[str, Any]) -> Any:  # distilabel's parameter name
        # The bare text, not chat messages: the completions api sends a string as the prompt itself.
        return self.pre_query.text

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        question = self.pre_query.cut(answer or "")
        if not question:
            return Dropped("prequery: empty question")
        return {"question": question}
