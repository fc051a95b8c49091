"""What one `pysynth train sft` or `pysynth train dpo` run does: model, data, hyper-parameters, optional LoRA.

`SFTSpec` and `DPOSpec` are built from keyword arguments (`SFTSpec.build(...)`, raising `ConfigError`) or
from a YAML file (`load_sft_spec`, `load_dpo_spec`, raising `SpecError` as `file:line:column: field:
message`). Relative paths in a YAML file are taken from the file's directory, as pipeline files do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError, field_validator

from pysynth.config import FrozenConfig, describe_validation_error
from pysynth.errors import ConfigError, SpecError

Precision = Literal["auto", "fp32", "bf16", "fp16"]
Scheduler = Literal["linear", "cosine", "constant", "constant_with_warmup"]
WeightDtype = Literal["float32", "bfloat16", "auto"]
# conversations: `messages`, or `prompt` + `completion` rows; questions: bare questions (QFT, ScaleQuest).
DataFormat = Literal["conversations", "questions"]
_PATH_FIELDS = ("model", "data", "output_dir", "ref_model")
Spec = TypeVar("Spec", "SFTSpec", "DPOSpec")


class LoraSpec(FrozenConfig):
    """A LoRA adapter (peft): only the adapter is trained and saved, the base model stays as it is."""

    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    # "all-linear" is peft's shorthand for every linear layer but the output head.
    target_modules: Literal["all-linear"] | tuple[str, ...] = "all-linear"

    @field_validator("target_modules")
    @classmethod
    def _non_empty(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        if isinstance(value, tuple) and (not value or not all(name.strip() for name in value)):
            raise ValueError("must name at least one module, none of them blank")
        return value


class SFTSpec(FrozenConfig):
    """Supervised fine-tuning of a causal LM on conversational rows (trl's SFTTrainer)."""

    model: Path  # a local directory with config.json, the weights and a tokenizer with a chat template
    data: Path  # .jsonl or .parquet: `messages`, or `prompt` + `completion` (lists of {role, content})
    output_dir: Path  # must be new or empty: receives the model (or adapter), the tokenizer and sft_report.json
    # questions: a `question` (or MATH-style `problem`) column; each question is rendered as the user turn of
    # the chat template ending with its turn-end token and learned whole (ScaleQuest's question fine-tuning;
    # the paper's run: epochs 1, learning_rate 2e-5, max_length 256, loss on every token).
    format: DataFormat = "conversations"
    epochs: float = Field(3.0, gt=0)
    learning_rate: float = Field(2e-5, gt=0)
    batch_size: int = Field(4, ge=1)  # per device
    grad_accum: int = Field(4, ge=1)
    max_length: int = Field(4096, ge=8)  # tokens; longer rows are truncated at the end
    lr_scheduler: Scheduler = "cosine"
    warmup_ratio: float = Field(0.03, ge=0.0, lt=1.0)
    weight_decay: float = Field(0.0, ge=0.0)
    # Loss on the assistant's tokens only (`completion` rows: on the completion only); False trains on all.
    # Not used by format questions: a question has no completion, its every token is learned.
    completion_only_loss: bool = True
    lora: LoraSpec | None = None
    seed: int = 42
    logging_steps: int = Field(10, ge=1)
    gradient_checkpointing: bool = True
    # auto: bf16 mixed precision on a GPU that has it, fp32 otherwise (always fp32 on CPU).
    precision: Precision = "auto"
    # The dtype the weights are loaded (and trained, and saved) in. float32 keeps fp32 master weights;
    # bfloat16 halves their memory, which full fine-tuning of a 7-8B model on one 80 GB GPU needs.
    model_dtype: WeightDtype = "float32"


class DPOSpec(FrozenConfig):
    """Direct preference optimisation (trl's DPOTrainer, sigmoid loss): ScaleQuest's question preference
    optimisation. Defaults are the authors' (github yyDing1/ScaleQuest, `src/train_question_generator/`:
    `scripts/run_qwen2_qft.sh`, `qpo_train/train.py`) unless marked "ours"."""

    model: Path  # the policy to train: a local directory (config.json, weights, tokenizer)
    data: Path  # .jsonl or .parquet with text columns `prompt` (raw, e.g. a pre-query template), `chosen`, `rejected`
    output_dir: Path  # must be new or empty: receives the model (or adapter), the tokenizer and dpo_report.json
    # The frozen reference (ScaleQuest: the QFT model). None: a frozen copy of `model`, or with LoRA the model
    # with its adapter disabled (trl's behaviour in both cases).
    ref_model: Path | None = None
    beta: float = Field(0.1, gt=0)  # how far the policy may move from the reference
    epochs: float = Field(1.0, gt=0)
    learning_rate: float = Field(5e-7, gt=0)
    # Per device; 4 x 32 = the authors' 128 pairs per step on one device (they ran 8 x 2 on 8 GPUs): split ours.
    batch_size: int = Field(4, ge=1)
    grad_accum: int = Field(32, ge=1)
    max_length: int = Field(1024, ge=8)  # tokens of prompt + answer; longer pairs are cut at the end
    lr_scheduler: Scheduler = "cosine"
    warmup_steps: int = Field(20, ge=0)  # optimizer steps of linear warm-up
    weight_decay: float = Field(0.0, ge=0.0)
    lora: LoraSpec | None = None  # default ours: the authors trained all weights
    seed: int = 42
    logging_steps: int = Field(10, ge=1)  # default ours
    gradient_checkpointing: bool = True
    precision: Precision = "auto"  # as SFTSpec: bf16 mixed precision on a GPU that has it, fp32 otherwise
    model_dtype: WeightDtype = "float32"  # as SFTSpec; the reference model is loaded in the same dtype


def load_sft_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> SFTSpec:
    """The spec in a YAML file, with `overrides` (from command-line flags) replacing its top-level keys.

    Raises `SpecError` naming file:line:column for a mistake in the file, and `ConfigError` naming the
    field when an override itself is invalid."""
    return _load_spec(SFTSpec, "an SFT", path, overrides)


def load_dpo_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> DPOSpec:
    """As `load_sft_spec`, for `pysynth train dpo`."""
    return _load_spec(DPOSpec, "a DPO", path, overrides)


def _load_spec(kind: type[Spec], name: str, path: str | Path, overrides: Mapping[str, Any] | None) -> Spec:
    from pysynth.spec import describe_errors
    from pysynth.spec.source import load_yaml

    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: no such config file")
    data, source = load_yaml(file)
    if not isinstance(data, dict):
        raise SpecError(f"{source.where(())}: {name} config must be a mapping of options such as `model:`")
    for field in _PATH_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = str(file.parent / Path(data[field]).expanduser())
    overrides = dict(overrides or {})
    merged = {**data, **overrides}
    if isinstance(data.get("lora"), dict) and isinstance(overrides.get("lora"), dict):
        merged["lora"] = {**data["lora"], **overrides["lora"]}
    try:
        return kind.model_validate(merged)
    except ValidationError as error:
        if any(item["loc"] and item["loc"][0] in overrides for item in error.errors()):
            raise ConfigError(describe_validation_error(error)) from None
        raise SpecError("\n".join(describe_errors(error, source, (), kind))) from None
