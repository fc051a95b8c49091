"""The pipeline YAML as pydantic models: the one place its schema is defined.

Every model forbids unknown keys so a typo is an error with a location, never a silently
ignored setting. Knobs that only change how fast a step runs (concurrency, workers, timeouts,
retries) are kept apart from what changes its output, so editing them never invalidates a
checkpoint (see `pysynth.fingerprint`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from pysynth.spec import values
from pysynth.spec.generation import GenerationFields

STEP_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"

NonEmptyStr = Annotated[str, Field(min_length=1)]
HttpUrl = Annotated[str, AfterValidator(values.http_url)]


class _Strict(BaseModel):
    # No NaN or infinity: `timeout_s: .inf` is a typo, not "no limit".
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LaunchSpec(_Strict):
    """Servers the run starts before its first request and stops at its end (`pysynth serve` inline)."""

    gpus: Annotated[str, BeforeValidator(values.gpu_list)] = Field(
        default="0", description="GPU indices, e.g. '0,1,2,3'."
    )
    tp: int = Field(default=1, ge=1, description="Tensor-parallel GPUs per server.")
    dp: int | None = Field(default=None, ge=1, description="One server with SGLang's data parallelism instead.")
    host: NonEmptyStr = "127.0.0.1"
    port: int = Field(default=30000, ge=1, le=65535, description="Port of the first server.")
    router: bool = False
    args: list[str] = Field(default_factory=list, description="Extra sglang.launch_server flags.")
    startup_timeout_s: float = Field(default=1800.0, gt=0)


class LocalSpec(_Strict):
    """The embedded llama.cpp server of `backend: local` (started by the run, stopped at its end)."""

    model_path: NonEmptyStr | None = Field(
        default=None, description="A GGUF file of your own; omitted: the embedded model named by `embedded`."
    )
    embedded: Literal["qwen2.5-coder-0.5b-instruct", "gemma-3-270m"] = Field(
        default="qwen2.5-coder-0.5b-instruct", description="The model from PyPI served when `model_path` is "
        "omitted: Qwen2.5-Coder-0.5B-Instruct (the default), or Gemma 3 270M (a base model, weaker).",
    )
    slots: int = Field(default=4, ge=1, description="Requests the server decodes at once (llama-server --parallel).")
    context: int = Field(default=8192, ge=256, description="Context tokens shared by all slots (--ctx-size).")
    threads: int | None = Field(default=None, ge=1, description="CPU threads; omitted: llama-server's choice.")
    chat_template: NonEmptyStr | None = Field(
        default=None, description="A llama.cpp built-in template name; omitted: the GGUF's own ('gemma' for "
        "the embedded Gemma, whose GGUF has none).",
    )
    args: list[str] = Field(default_factory=list, description="Extra llama-server flags.")
    startup_timeout_s: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _one_model(self) -> LocalSpec:
        if self.model_path is not None and "embedded" in self.model_fields_set:
            raise ValueError("give model_path (your own GGUF) or embedded (a model from PyPI), not both")
        return self


class LLMSpec(_Strict):
    """Where an LLM step sends its requests. A step's `llm:` block overrides `defaults.llm` key by key."""

    backend: Literal["openai", "sglang", "local"] = Field(
        default="openai",
        description="'openai': any OpenAI-compatible HTTP server (vLLM, llama.cpp, hosted APIs); 'sglang': the "
        "same API plus SGLang's extras (`regex`); 'local': the run starts an embedded llama.cpp server on CPU.",
    )
    base_url: HttpUrl | None = Field(
        default=None, description="One server's (or an SGLang router's) URL ending in /v1."
    )
    endpoints: Annotated[list[HttpUrl], AfterValidator(values.distinct)] | None = Field(
        default=None, min_length=1, description="Several servers' URLs: a balanced, failing-over pool."
    )
    endpoints_file: NonEmptyStr | None = Field(
        default=None, description="A YAML file `endpoints: [url, ...]` (as `pysynth serve` writes): a pool."
    )
    max_concurrency_per_endpoint: int = Field(default=64, ge=1, description="Requests in flight per pool endpoint.")
    n_mode: Literal["n", "repeat"] = Field(
        default="n", description="Several generations per row as one request with `n`, or as repeated requests."
    )
    json_schema: Annotated[str | dict[str, Any], BeforeValidator(values.json_schema)] | None = Field(
        default=None, description="Constrain answers to JSON: a pydantic model's import path, or a JSON Schema."
    )
    regex: Annotated[str, AfterValidator(values.regex)] | None = Field(
        default=None, description="Constrain answers to a regular expression (backend: sglang)."
    )
    launch: LaunchSpec | None = Field(
        default=None, description="Start SGLang servers for this run (backend: sglang) instead of using running ones."
    )
    local: LocalSpec | None = Field(default=None, description="Settings of the embedded server (backend: local).")
    model: NonEmptyStr | None = Field(default=None, description="Model name sent with each request.")
    api: Literal["chat", "completions"] = "chat"
    api_key_env: Annotated[str, AfterValidator(values.env_name)] | None = Field(
        default=None, description="Name of the environment variable holding the API key (never the key itself)."
    )
    timeout_s: float = Field(default=120.0, gt=0, description="Per-request time limit.")
    max_retries: int = Field(default=4, ge=0, description="Retries of a request on 429/5xx/timeouts/resets.")
    max_concurrency: int = Field(default=256, ge=1, description="Requests in flight per step.")
    generation: GenerationFields = Field(
        default_factory=dict, description="Sampling fields (temperature, max_tokens, top_p, stop, seed, ...), "
        "checked; a step's block overrides defaults.llm's field by field.",
    )


class CacheSpec(_Strict):
    """How an LLM step uses the request cache (`OUT/.pysynth/requests.sqlite`)."""

    enabled: bool = Field(default=True, description="Answer requests from the cache when it holds them.")
    retry_truncated: bool = Field(
        default=False, description="Also reuse answers given under a smaller max_tokens that were not cut, so "
        "raising max_tokens re-sends only the rows whose answer was (finish_reason: length).",
    )


class WorkersSpec(_Strict):
    """Where a CPU-bound step's batches run: local processes, or actors on a Ray cluster."""

    backend: Literal["process", "ray"] = Field(
        default="process", description="process: worker processes on this machine; ray: actors on a Ray cluster.")
    size: int = Field(default=1, ge=1, description="Processes or actors, each with the step loaded once.")
    address: str | None = Field(
        default=None, description="ray: the cluster (auto: the one `ray start` joined this node to, the "
        "default; ray://host:10001: Ray client; local: start a Ray instance in this process).")
    num_cpus: float | None = Field(default=None, gt=0, description="ray: CPUs each actor reserves (default 1; "
                                   "fractions share a CPU, e.g. 0.5 for a step that waits on the judge).")
    max_in_flight: int | None = Field(default=None, ge=1, description="ray: batches sent to the cluster at "
                                      "once, running or queued for an actor (default: one per actor, or the "
                                      "step's concurrency).")

    @model_validator(mode="after")
    def _ray_options_need_ray(self) -> WorkersSpec:
        given = [name for name in ("address", "num_cpus", "max_in_flight") if getattr(self, name) is not None]
        if self.backend != "ray" and given:
            raise ValueError(f"{', '.join(given)}: only for backend: ray")
        return self


def _workers_shorthand(value: Any) -> Any:
    # `workers: 4` is short for `workers: {backend: process, size: 4}`.
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError(f"must be at least 1 (got {value})")
        return {"size": value}
    return value


class StepSpec(_Strict):
    """One node of the DAG: a built-in step by short name, or any distilabel step by import path."""

    name: str = Field(pattern=STEP_NAME_PATTERN, description="Unique within the pipeline.")
    type: str = Field(description="A built-in name (`pysynth steps`) or an import path like distilabel.steps.KeepColumns.")
    inputs: list[str] | None = Field(
        default=None, description="Upstream step names; omitted means the step listed just before."
    )
    join: Literal["row_id", "concat"] = Field(
        default="row_id",
        description="With several inputs: 'row_id' merges the columns of rows sharing an id (branches of one "
        "source), 'concat' appends the inputs' rows.",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Arguments of the step class.")
    input_mappings: dict[str, NonEmptyStr] = Field(
        default_factory=dict, description="step input column -> dataset column."
    )
    output_mappings: dict[str, NonEmptyStr] = Field(
        default_factory=dict, description="step output column -> dataset column."
    )
    llm: LLMSpec | None = Field(default=None, description="Overrides of defaults.llm for this step.")
    concurrency: int | None = Field(default=None, ge=1, description="Batches processed at once.")
    workers: Annotated[WorkersSpec | None, BeforeValidator(_workers_shorthand)] = Field(
        default=None, description="Run a CPU-bound step's batches in a pool: N processes, or {backend: ray, size, "
        "address, num_cpus} for actors on a Ray cluster."
    )
    row_timeout_s: float | None = Field(
        default=None, gt=0, description="Python steps: seconds one row may take; a row past it fails (its worker "
        "process is killed) and the run goes on. Without `workers`, the step runs in a pool of 1 process.",
    )
    max_row_retries: int = Field(default=0, ge=0, description="Retries of a row whose step logic raised.")
    cache: CacheSpec = Field(
        default_factory=CacheSpec,
        description="LLM steps: true/false, or {enabled, retry_truncated} (false: send every request again).",
    )

    @field_validator("cache", mode="before")
    @classmethod
    def _cache_switch(cls, value: Any) -> Any:
        if isinstance(value, bool):  # `cache: false` is short for `cache: {enabled: false}`
            return {"enabled": value}
        if not isinstance(value, dict | CacheSpec):
            raise ValueError("must be true, false or a mapping {enabled, retry_truncated}")
        return value


class DefaultsSpec(_Strict):
    batch_size: int = Field(default=50, ge=1, le=1_000_000, description="Rows per batch read by source steps.")
    concurrency: int = Field(default=4, ge=1, description="Batches a step processes at once.")
    llm: LLMSpec | None = None


class CardSpec(_Strict):
    """The Hugging Face dataset card of the run report (`OUT/report/README.md`)."""

    license: NonEmptyStr = Field(default="other", description="A Hub license id, e.g. apache-2.0 or cc-by-4.0.")
    tags: list[NonEmptyStr] = Field(default_factory=list, description="Hub tags, added to the pipeline's name.")


class ExportSpec(_Strict):
    steps: list[str] | None = Field(
        default=None, min_length=1, description="Steps whose rows are exported; omitted: the leaves."
    )
    format: Literal["parquet", "jsonl"] = "parquet"
    card: CardSpec = Field(default_factory=CardSpec, description="License and tags of the run report's dataset card.")


class PipelineSpec(_Strict):
    """A whole pipeline file."""

    name: str = Field(pattern=STEP_NAME_PATTERN)
    description: str = ""
    defaults: DefaultsSpec = Field(default_factory=DefaultsSpec)
    steps: list[StepSpec] = Field(min_length=1)
    export: ExportSpec = Field(default_factory=ExportSpec)

    def step(self, name: str) -> StepSpec:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)
