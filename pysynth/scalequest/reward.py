"""Reward-model scores of (question, response) pairs: an SGLang reward server or an in-process model.

ScaleQuest scores each of a question's five responses with internlm2-7b-reward and keeps the best
(METHODS.md). Both backends take a batch of pairs and return one float per pair, in order:

- `SGLangRewardClient`: a server started with `--is-embedding` (`pysynth serve MODEL --is-embedding`).
  SGLang's reward-model API, as its docs show it for Skywork/internlm2 reward models: `POST /classify`
  with `{"model": ..., "text": [conversation, ...]}`, each conversation already formatted with the
  reward model's chat template; the answer is a list, one `{"embedding": [score, ...], ...}` per text.
- `TransformersRewardModel`: `AutoModelForSequenceClassification` from a local path, on any torch
  device; the score is the logit of label 0 (a reward head has one).

torch and transformers are imported inside the functions that need them: importing pysynth must not.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import yarl

from pysynth.errors import ConfigError, LLMRequestError
from pysynth.llm.http1 import HTTP1Pool
from pysynth.llm.http_client import RETRYABLE_STATUSES, jittered_backoff

Pair = tuple[str, str]  # (question, response)
# Ours, for servers or models without a chat template: no reward model was trained on it, so a real
# reward model's scores are only meaningful with its own template (give `tokenizer`).
PLAIN_TEMPLATE = "User: {question}\n\nAssistant: {response}"
CLASSIFY_PATH = "/classify"


class RewardBackend(Protocol):
    def score(self, pairs: Sequence[Pair]) -> list[float]:
        """One score per pair, in order."""
        ...

    def close(self) -> None: ...


class ConversationFormatter:
    """A (question, response) pair as the reward model's chat template writes the two-turn conversation.

    `tokenizer_path` names a tokenizer whose `chat_template` is used (loaded on first use); without
    one, or when it has no template, `PLAIN_TEMPLATE` (ours) is used.
    """

    def __init__(self, tokenizer_path: str | None = None, *, tokenizer: Any = None) -> None:
        self._path = tokenizer_path
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    @property
    def uses_template(self) -> bool:
        tokenizer = self._load()
        return tokenizer is not None and bool(getattr(tokenizer, "chat_template", None))

    def format(self, question: str, response: str) -> str:
        if not self.uses_template:
            return PLAIN_TEMPLATE.format(question=question, response=response)
        conversation = [{"role": "user", "content": question}, {"role": "assistant", "content": response}]
        return str(self._load().apply_chat_template(conversation, tokenize=False))

    def _load(self) -> Any:
        with self._lock:
            if self._tokenizer is None and self._path is not None:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(self._path)
            return self._tokenizer


class SGLangRewardClient:
    """`POST <url>/classify` to an SGLang reward server; transient failures are retried with the
    project client's backoff and retryable statuses (`pysynth.llm.http_client`).

    Why not `OpenAIHttpClient.post_json`: it only accepts OpenAI answers (an object with `choices`)
    and `/classify` answers a list, so this sends through the same keep-alive transport it uses for
    plain http (`HTTP1Pool`). SGLang servers speak plain http; an https URL is refused.
    """

    def __init__(self, url: str, model: str, formatter: ConversationFormatter, *, timeout_s: float = 600.0,
                 max_retries: int = 3, backoff_base_s: float = 0.5, backoff_max_s: float = 30.0) -> None:
        parsed = yarl.URL(url.rstrip("/"))
        if parsed.scheme != "http" or not parsed.host:
            raise ConfigError(f"reward server url {url!r}: expected http://host:port (SGLang serves plain http)")
        self.url = str(parsed) + CLASSIFY_PATH
        self._host, self._port, self._path = parsed.host, parsed.port or 80, parsed.path.rstrip("/") + CLASSIFY_PATH
        self._model, self._formatter = model, formatter
        self._timeout_s, self._max_retries = timeout_s, max_retries
        self._backoff = (backoff_base_s, backoff_max_s)

    def score(self, pairs: Sequence[Pair]) -> list[float]:
        texts = [self._formatter.format(question, response) for question, response in pairs]
        answer = asyncio.run(self._post(orjson.dumps({"model": self._model, "text": texts})))
        return self._scores(answer, len(texts))

    async def _post(self, body: bytes) -> Any:
        pool = HTTP1Pool(self._host, self._port, limit=1, headers={"Content-Type": "application/json"})
        try:
            for attempt in range(1, self._max_retries + 2):
                status: int | None = None
                try:
                    response = await pool.post(self._path, body, self._timeout_s)
                    status = response.status
                    if 200 <= status < 300:
                        return orjson.loads(response.body)
                    failure = f"HTTP {status}: {response.body[:300].decode(errors='replace')}"
                    if status not in RETRYABLE_STATUSES:
                        raise LLMRequestError(f"POST {self.url} answered {failure} (not retried)",
                                              status=status, attempts=attempt)
                except (OSError, TimeoutError, orjson.JSONDecodeError) as error:
                    failure = f"{type(error).__name__}: {error}".rstrip(": ")
                if attempt > self._max_retries:
                    raise LLMRequestError(f"POST {self.url} failed after {attempt} attempts; last failure: "
                                          f"{failure}", status=status, attempts=attempt)
                await asyncio.sleep(jittered_backoff(attempt, *self._backoff))
            raise AssertionError("unreachable")
        finally:
            pool.close()

    def _scores(self, answer: Any, expected: int) -> list[float]:
        if not isinstance(answer, list) or len(answer) != expected:
            raise LLMRequestError(f"POST {self.url}: expected a list of {expected} results, got "
                                  f"{str(answer)[:200]} (is the server started with --is-embedding?)")
        scores = []
        for item in answer:
            embedding = item.get("embedding") if isinstance(item, dict) else None
            if not isinstance(embedding, list) or not embedding or not isinstance(embedding[0], int | float):
                raise LLMRequestError(f"POST {self.url}: a result without a numeric 'embedding': {str(item)[:200]}")
            scores.append(float(embedding[0]))
        return scores

    def close(self) -> None:
        pass  # each batch opens and closes its own connection


class TransformersRewardModel:
    """A sequence-classification reward model in this process, scored in batches under `no_grad`.

    Texts are padded on the right, so a row's score does not depend on the rows batched with it
    (left padding would shift a decoder's positions); the model pools the last non-pad token.
    """

    def __init__(self, model_path: str, *, device: str = "cpu", dtype: str = "auto", max_length: int = 4096,
                 trust_remote_code: bool = False) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._torch = torch
        self.device = torch.device(device)
        tokenizer = AutoTokenizer.from_pretrained(model_path, trust_remote_code=trust_remote_code)
        tokenizer.padding_side = "right"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if dtype == "auto":
            dtype = "bfloat16" if self.device.type == "cuda" else "float32"
        model = AutoModelForSequenceClassification.from_pretrained(
            model_path, dtype=getattr(torch, dtype), trust_remote_code=trust_remote_code)
        if model.config.pad_token_id is None:
            model.config.pad_token_id = tokenizer.pad_token_id
        self._model = model.to(self.device).eval()
        self._tokenizer, self._max_length = tokenizer, max_length
        self.formatter = ConversationFormatter(tokenizer=tokenizer)

    def score(self, pairs: Sequence[Pair]) -> list[float]:
        texts = [self.formatter.format(question, response) for question, response in pairs]
        # The chat template writes the special tokens itself; the plain fallback gets the tokenizer's.
        encoded = self._tokenizer(texts, padding=True, truncation=True, max_length=self._max_length,
                                  add_special_tokens=not self.formatter.uses_template, return_tensors="pt")
        with self._torch.no_grad():
            logits = self._model(**{key: value.to(self.device) for key, value in encoded.items()}).logits
        return [float(value) for value in logits[:, 0].float().cpu()]

    def close(self) -> None:
        del self._model


@dataclass
class _Slot:
    pair: Pair
    done: threading.Event = field(default_factory=threading.Event)
    score: float | None = None
    error: BaseException | None = None


class BatchCoalescer:
    """Gathers pairs submitted from many row threads into batches of up to `max_batch` for one backend.

    Whoever holds the run lock scores everything waiting (up to `max_batch`); pairs submitted while a
    batch runs form the next one, so a busy step batches by itself and a lone row is not delayed.
    A failed batch is scored again pair by pair, so only the culprit's row fails.
    """

    def __init__(self, score_batch: Callable[[Sequence[Pair]], list[float]], max_batch: int) -> None:
        self._score_batch, self._max_batch = score_batch, max_batch
        self._pending: list[_Slot] = []
        self._pending_lock, self._run_lock = threading.Lock(), threading.Lock()

    def score(self, pair: Pair) -> float:
        slot = _Slot(pair)
        with self._pending_lock:
            self._pending.append(slot)
        while not slot.done.is_set():
            with self._run_lock:
                with self._pending_lock:
                    batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                if batch:
                    self._run(batch)
        if slot.error is not None:
            raise slot.error
        assert slot.score is not None
        return slot.score

    def _run(self, batch: list[_Slot]) -> None:
        try:
            scores = self._score_batch([slot.pair for slot in batch])
        except Exception as error:  # noqa: BLE001 - retried one by one below to find the culprit
            if len(batch) == 1:
                batch[0].error = error
                batch[0].done.set()
                return
            for slot in batch:
                self._run([slot])
            return
        for slot, value in zip(batch, scores, strict=True):
            slot.score = value
            slot.done.set()
