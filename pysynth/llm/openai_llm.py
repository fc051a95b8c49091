"""The distilabel `AsyncLLM` behind every LLM step: an OpenAI-compatible server over `OpenAIHttpClient`.

distilabel's own `OpenAILLM` goes through the `openai` SDK (pydantic models per response, httpx),
validates every call with `validate_call` and returns fewer generations than asked from servers that
ignore `n`; this one keeps the answer a dict, asks again for missing answers and counts usage in ints.
"""

from __future__ import annotations

import asyncio
import inspect

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from distilabel.models.llms.base import AsyncLLM  # type: ignore[import-untyped]
from pydantic import Field, PrivateAttr, SecretStr

from pysynth.errors import ConfigError, LLMRequestError

if TYPE_CHECKING:  # the clients (aiohttp) are imported by `load()`: compiling a pipeline opens none
    from pysynth.llm.http_client import OpenAIHttpClient

# Imported for annotations only: distilabel ships no type information (no py.typed).
FormattedInput = Any
GenerateOutput = dict[str, Any]
# Why each generation ended ("stop", "length", ...), beside distilabel's generations.
FINISH_REASONS = "finish_reasons"


@dataclass(frozen=True, slots=True)
class LLMUsage:
    """What an LLM spent so far, for the run's stats: `requests` succeeded, `failures` raised.

    `latency_s` sums the wall time of successful `agenerate` calls (retries and backoff included),
    so `latency_s / requests` is the mean latency a row saw.
    """

    requests: int = 0
    failures: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0


@dataclass(slots=True)
class _UsageCounter:
    """Mutable twin of `LLMUsage`: one object fetched per call instead of a pydantic attribute each."""

    requests: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0


class OpenAICompatibleLLM(AsyncLLM):  # type: ignore[misc]  # distilabel is untyped
    """A chat or completions endpoint of SGLang, vLLM, llama-server or any OpenAI-compatible server.

    `agenerate(input, num_generations, **kwargs)` sends `n=num_generations` in one request; the
    kwargs (temperature, top_p, max_tokens, stop, seed, response_format, ...) go into the body as
    they are, None values dropped; distilabel's `max_new_tokens` is renamed `max_tokens`.
    Failures raise `LLMRequestError`, so a caller can drop the one row that failed.
    """

    base_url: str = Field(default="", description="The server's (or SGLang router's) OpenAI API root, ending in /v1.")
    endpoints: list[str] = Field(default_factory=list, description="Several servers' API roots: a balanced pool.")
    max_concurrency_per_endpoint: int = Field(default=64, description="Requests in flight per pool endpoint.")
    n_mode: Literal["n", "repeat"] = Field(
        default="n", description="Several generations as one request with `n`, or as repeated requests "
        "(SGLang shares the prompt's cache either way but schedules repeats better).")
    max_n: int | None = Field(default=None, ge=1, description=(
        "The most choices one request asks for; more generations are asked for in further requests "
        "(llama-server refuses an `n` above its slots). None: no limit."))
    model: str = Field(description="The model name the server expects in each request.")
    # distilabel's dump() drops any field named api_key; exclude=True keeps model_dump() honest too.
    api_key: SecretStr | None = Field(default=None, exclude=True)
    api: Literal["chat", "completions"] = "chat"
    timeout_s: float = Field(default=120, description="Per request, from sending to the last byte.")
    max_retries: int = Field(default=4, description="Retries after the first attempt.")
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20
    max_concurrency: int = Field(default=256, description="Requests in flight at most, per event loop.")

    _client: OpenAIHttpClient | None = PrivateAttr(default=None)
    _counter: _UsageCounter = PrivateAttr(default_factory=_UsageCounter)

    @property
    def model_name(self) -> str:
        return self.model

    def load(self) -> None:
        """Checks the configuration (a wrong value is a `ConfigError` naming the field), opens the client."""
        super().load()
        self._check_config()
        from pysynth.llm.endpoints import EndpointPoolClient
        from pysynth.llm.http_client import OpenAIHttpClient

        common: dict[str, Any] = {
            "api_key": self.api_key.get_secret_value() if self.api_key is not None else None,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
            "backoff_base_s": self.backoff_base_s,
            "backoff_max_s": self.backoff_max_s,
        }
        if self.endpoints:
            self._client = EndpointPoolClient(  # type: ignore[assignment]
                base_urls=list(self.endpoints), max_concurrency_per_endpoint=self.max_concurrency_per_endpoint,
                **common,
            )
        else:
            self._client = OpenAIHttpClient(base_url=self.base_url, max_concurrency=self.max_concurrency, **common)

    def _check_config(self) -> None:
        if self.endpoints:
            if self.base_url:
                raise ConfigError("base_url/endpoints: give one server (or router) URL, or a pool, not both")
            for url in self.endpoints:
                if not url.startswith(("http://", "https://")):
                    raise ConfigError(f"endpoints: {url!r} must start with http:// or https://")
        elif not self.base_url.strip():
            raise ConfigError("base_url: must not be empty (e.g. http://127.0.0.1:30000/v1)")
        if not self.endpoints and not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url: {self.base_url!r} must start with http:// or https://")
        if not self.model.strip():
            raise ConfigError("model: must not be empty")
        if self.timeout_s <= 0:
            raise ConfigError(f"timeout_s: {self.timeout_s!r} must be > 0")
        if self.max_retries < 0:
            raise ConfigError(f"max_retries: {self.max_retries!r} must be >= 0")
        if self.max_concurrency < 1:
            raise ConfigError(f"max_concurrency: {self.max_concurrency!r} must be >= 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < self.backoff_base_s:
            raise ConfigError(
                f"backoff_base_s/backoff_max_s: need 0 <= base <= max, got {self.backoff_base_s}, {self.backoff_max_s}"
            )

    def unload(self) -> None:
        """Closes the sessions; works from sync code after any loop stopped (best effort if closed)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
        super().unload()

    async def aclose(self) -> None:
        """Closes the session of the running loop cleanly; for callers that own that loop."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def __del__(self) -> None:
        # Close before AsyncLLM.__del__ closes its private loop, so no session is reported unclosed.
        if sys.meta_path is not None:
            try:
                client = self._client
            except AttributeError:  # construction failed before pydantic set private attributes
                client = None
            if client is not None:
                client.close()
        super().__del__()

    def usage(self) -> LLMUsage:
        counter = self._counter
        return LLMUsage(
            requests=counter.requests,
            failures=counter.failures,
            retries=self._client.retries if self._client is not None else 0,
            input_tokens=counter.input_tokens,
            output_tokens=counter.output_tokens,
            latency_s=counter.latency_s,
        )

    @property
    def in_flight(self) -> int:
        """Requests this LLM has sent and not yet had answered."""
        return self._client.in_flight if self._client is not None else 0

    def reset_usage(self) -> None:
        self._counter = _UsageCounter()
        if self._client is not None:
            self._client.retries = 0

    @property
    def generate_parameters(self) -> list[inspect.Parameter]:
        # distilabel turns agenerate's parameters into required runtime parameters; `**kwargs` is a
        # pass-through of sampling fields, not a parameter anyone must set (its runner refuses to start).
        return [parameter for parameter in super().generate_parameters
                if parameter.kind is not inspect.Parameter.VAR_KEYWORD]

    async def agenerate(
        self, input: FormattedInput, num_generations: int = 1, **kwargs: Any
    ) -> GenerateOutput:
        """Generates `num_generations` answers to one input in one request.

        Args:
            input: chat messages (`[{"role", "content"}, ...]`), or a prompt string for
                `api="completions"`; a distilabel structured input `(messages, {"format": "json",
                "schema": ...})` becomes a `response_format` of type json_schema.
            num_generations: sent as `n` (at most `max_n` a request). Servers that answer fewer
                choices than asked are asked again for the missing answers.
            **kwargs: body fields such as temperature, top_p, max_tokens, stop, seed.

        Returns:
            `{"generations": [...], "statistics": {"input_tokens": [p], "output_tokens": [c]}}`,
            token counts once per input as distilabel's `OpenAILLM` reports them.
        """
        # Private attributes read from pydantic's dict: `self._client` goes through
        # BaseModel.__getattr__ at ~9 µs a read, two reads a tenth of the per-request budget.
        private = self.__pydantic_private__
        client: OpenAIHttpClient | None = private["_client"]
        if client is None:
            self.load()
            client = private["_client"]
            assert client is not None
        counter: _UsageCounter = private["_counter"]
        path, body, field = self._request(input, kwargs)
        started = time.perf_counter()
        generations: list[str | None] = []
        finish_reasons: list[str | None] = []
        logprobs: list[list[list[dict[str, Any]]]] = []
        want_logprobs = bool(body.get("logprobs"))
        input_tokens = output_tokens = 0
        try:
            if self.n_mode == "repeat" and num_generations > 1:
                payloads = await asyncio.gather(*(client.post_json(path, {**body, "n": 1})
                                                  for _ in range(num_generations)))
                for payload in payloads:
                    generations.extend(_answer(choice, field) for choice in payload["choices"][:1])  # type: ignore[index]
                    finish_reasons.extend(_finish_reason(choice) for choice in payload["choices"][:1])  # type: ignore[index]
                    if want_logprobs:
                        logprobs.extend(_logprobs(choice, field) for choice in payload["choices"][:1])  # type: ignore[index]
                    usage_of: Any = payload.get("usage") or {}
                    input_tokens += usage_of.get("prompt_tokens") or 0
                    output_tokens += usage_of.get("completion_tokens") or 0
            while len(generations) < num_generations:
                body["n"] = min(num_generations - len(generations), self.max_n or num_generations)
                payload = await client.post_json(path, body)
                choices: Any = payload["choices"]
                if len(choices) > 1:
                    choices = sorted(choices, key=lambda choice: choice.get("index", 0))
                try:
                    generations.extend(_answer(choice, field) for choice in choices)
                    finish_reasons.extend(_finish_reason(choice) for choice in choices)
                    if want_logprobs:
                        logprobs.extend(_logprobs(choice, field) for choice in choices)
                except (KeyError, TypeError, AttributeError) as exc:
                    raise LLMRequestError(
                        f"POST {client.base_url}{path} answered choices of an unexpected shape: {choices!r:.300}",
                        status=200,
                    ) from exc
                usage: Any = payload.get("usage") or {}
                input_tokens += usage.get("prompt_tokens") or 0
                output_tokens += usage.get("completion_tokens") or 0
        except LLMRequestError:
            counter.failures += 1
            raise
        del generations[num_generations:]
        del finish_reasons[num_generations:]
        del logprobs[num_generations:]
        counter.requests += 1
        counter.input_tokens += input_tokens
        counter.output_tokens += output_tokens
        counter.latency_s += time.perf_counter() - started
        output: GenerateOutput = {
            "generations": generations,
            "statistics": {"input_tokens": [input_tokens], "output_tokens": [output_tokens]},
            # Not a distilabel field: the runtime takes it out (the request cache keeps it) before
            # distilabel would turn it into a column.
            FINISH_REASONS: finish_reasons,
        }
        if want_logprobs:
            output["logprobs"] = logprobs  # type: ignore[typeddict-item]
        return output

    def _request(self, input: FormattedInput, kwargs: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        """The endpoint path, the body without `n`, and the choice field holding the answer."""
        body: dict[str, Any] = {"model": self.model}
        if isinstance(input, tuple):
            input, structured_output = input
            if structured_output:
                body["response_format"] = _response_format(structured_output)
        for key, value in kwargs.items():
            if value is not None:
                body["max_tokens" if key == "max_new_tokens" else key] = value
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": input}] if isinstance(input, str) else input
            return "/chat/completions", body, "message"
        body["prompt"] = input if isinstance(input, str) else "\n".join(str(m["content"]) for m in input)
        return "/completions", body, "text"


def _answer(choice: dict[str, Any], field: str) -> str | None:
    if field == "message":
        content: str | None = choice["message"]["content"]
        return content
    text: str = choice["text"]
    return text


def _finish_reason(choice: dict[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def _logprobs(choice: dict[str, Any], field: str) -> list[list[dict[str, Any]]]:
    """One answer's log probabilities as distilabel's `LLMLogprobs` entry: per generated token, the
    top candidates `[{"token", "logprob"}, ...]` (just the sampled token when no top-k was asked)."""
    raw = choice.get("logprobs") or {}
    positions: list[list[dict[str, Any]]] = []
    if field == "message":  # chat: {"content": [{"token", "logprob", "top_logprobs": [...]}, ...]}
        for item in raw.get("content") or []:
            top = item.get("top_logprobs") or [item]
            positions.append([{"token": entry["token"], "logprob": entry["logprob"]} for entry in top])
        return positions
    tokens, chosen = raw.get("tokens") or [], raw.get("token_logprobs") or []  # completions: parallel lists
    tops = raw.get("top_logprobs") or [None] * len(tokens)
    for token, logprob, top in zip(tokens, chosen, tops, strict=False):
        entries = top.items() if isinstance(top, dict) and top else [(token, logprob)]
        positions.append([{"token": name, "logprob": value} for name, value in entries])
    return positions


def _response_format(structured_output: dict[str, Any]) -> dict[str, Any]:
    """distilabel's `{"format": "json", "schema": ...}` as the OpenAI `response_format` SGLang/vLLM accept."""
    if structured_output.get("format", "json") != "json":
        raise ConfigError(f"structured_output.format: {structured_output.get('format')!r} is not supported, only 'json'")
    schema = structured_output.get("schema")
    if schema is None:
        return {"type": "json_object"}
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
        schema = schema.model_json_schema()
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}
