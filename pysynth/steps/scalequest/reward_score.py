"""ScaleQuest's reward stage: score each (question, response) with a reward model (`reward`)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Literal

from pydantic import Field, PrivateAttr, model_validator

from pysynth.errors import InputError
from pysynth.runtime.frames import ROW_ID
from pysynth.scalequest.reward import (
    BatchCoalescer,
    ConversationFormatter,
    RewardBackend,
    SGLangRewardClient,
    TransformersRewardModel,
)
from pysynth.steps.base import Row, RowResult, RowStep


class RewardScore(RowStep):
    """Adds `reward` (a float, higher is better) to each row, from a reward model given the two-turn
    conversation (`question_column` as the user turn, `response_column` as the assistant's).

    Backends: `sglang`, a reward server started with `--is-embedding` (`POST <url>/classify`; the
    conversation is written with the chat template of `tokenizer`, or a plain "User:/Assistant:"
    text of ours without one), or `transformers`, an `AutoModelForSequenceClassification` at
    `model_path` loaded in this process (its own tokenizer's chat template) on `device`. Rows are
    scored in batches of up to `batch_size`, gathered from concurrently running rows. The paper
    scores with internlm2-7b-reward. A failed request or a row without text fails the row."""

    # What `pysynth steps` shows: `backend` is required, so the step cannot be built bare.
    columns_help: ClassVar[tuple[str, str]] = ("`question_column`, `response_column` (question, response)", "reward")

    backend: Literal["sglang", "transformers"] = Field(description="Where the reward model runs.")
    url: str | None = Field(default=None, description=(
        "sglang: the reward server's root, e.g. http://127.0.0.1:30000 (/classify is appended)."))
    model: str = Field(default="default", description="sglang: the model name sent in each request.")
    tokenizer: str | None = Field(default=None, description=(
        "sglang: a tokenizer directory whose chat template formats the conversation (the reward model's). "
        "Without one a plain 'User: ...\\n\\nAssistant: ...' text (ours) is sent, which real reward models "
        "were not trained on."))
    model_path: str | None = Field(default=None, description=(
        "transformers: a local directory with the model and its tokenizer."))
    device: str = Field(default="cpu", description="transformers: torch device, e.g. cpu, cuda, cuda:1.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(default="auto", description=(
        "transformers: weights' dtype; auto is bfloat16 on a GPU, float32 on the CPU."))
    max_length: int = Field(default=4096, ge=8, description=(
        "transformers: conversations are truncated to this many tokens. Default ours."))
    trust_remote_code: bool = Field(default=False, description="transformers: allow the model's own code.")
    batch_size: int = Field(default=16, ge=1, description="Conversations scored together. Default ours.")
    concurrency: int = Field(default=32, ge=1, description=(
        "Rows in flight at once, from which batches are gathered; at least batch_size to fill them."))
    timeout_s: float = Field(default=600.0, gt=0, description="sglang: seconds per request.")
    max_retries: int = Field(default=3, ge=0, description="sglang: retries of a transient failure.")
    question_column: str = Field(default="question", description="The user turn.")
    response_column: str = Field(default="response", description="The assistant turn scored.")

    # Files the step reads (`pysynth.steps.contract.path_params`): resolved, checked and hashed by content.
    path_params: ClassVar[tuple[str, ...]] = ("tokenizer", "model_path")

    _coalescer: BatchCoalescer | None = PrivateAttr(default=None)
    _backend: RewardBackend | None = PrivateAttr(default=None)
    _open_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _backend_has_its_settings(self) -> RewardScore:
        if self.backend == "sglang" and not self.url:
            raise ValueError("backend sglang needs `url` (the reward server, e.g. http://127.0.0.1:30000)")
        if self.backend == "transformers" and not self.model_path:
            raise ValueError("backend transformers needs `model_path` (a local model directory)")
        return self

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.question_column, self.response_column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["reward"]

    def row_concurrency(self) -> int:
        """Rows waiting at once on the batch being scored (`ConcurrentRows`)."""
        return max(self.concurrency, self.batch_size)

    def load(self) -> None:
        super().load()
        self._scorer()

    def unload(self) -> None:
        if self._backend is not None:
            self._backend.close()
        self._backend, self._coalescer = None, None
        super().unload()

    def transform(self, row: Row) -> RowResult:
        pair = (self._text(row, self.question_column), self._text(row, self.response_column))
        return {**row, "reward": self._scorer().score(pair)}

    def score_pairs(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Scores a batch directly (tests, and callers outside a pipeline)."""
        self._scorer()
        assert self._backend is not None
        return self._backend.score(pairs)

    def _scorer(self) -> BatchCoalescer:
        with self._open_lock:  # the model is loaded once however many row threads ask first
            if self._coalescer is None:
                self._backend = self._open_backend()
                self._coalescer = BatchCoalescer(self._backend.score, self.batch_size)
            return self._coalescer

    def _open_backend(self) -> RewardBackend:
        if self.backend == "sglang":
            assert self.url is not None
            return SGLangRewardClient(self.url, self.model, ConversationFormatter(self.tokenizer),
                                      timeout_s=self.timeout_s, max_retries=self.max_retries)
        assert self.model_path is not None
        return TransformersRewardModel(self.model_path, device=self.device, dtype=self.dtype,
                                       max_length=self.max_length, trust_remote_code=self.trust_remote_code)

    def _text(self, row: Row, column: str) -> str:
        value: Any = row.get(column)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"reward_score step '{self.name}': row {row.get(ROW_ID, row.get('id'))}: "
                             f"'{column}' is {repr(value)[:80]}, not a non-empty text")
        return value
