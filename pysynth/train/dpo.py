"""`train_dpo`: trl's DPOTrainer (sigmoid loss) on validated preference pairs, full fine-tuning or LoRA.

ScaleQuest's question preference optimisation: the prompt is the bare pre-query template, chosen is the
optimised question, rejected the original, and the reference is the QFT model (`ref_model`). Without a
`ref_model` trl uses a frozen copy of `model`, or with LoRA the model with its adapter disabled. trl
appends the tokenizer's eos to chosen and rejected, which ends a question the way QFT taught (for Qwen
chat models the eos is the turn end `<|im_end|>`). The prompt is tokenized as plain text with the
tokenizer's defaults, so it must not spell out a BOS the tokenizer adds itself.
torch, transformers, trl and peft are imported only when a run starts.
"""

from __future__ import annotations

import json
from collections.abc import Sized
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pysynth.errors import ConfigError, TrainingError
from pysynth.tables import write_text_atomically
from pysynth.train.data import PreferenceData, load_preference_data
from pysynth.train.sft import (
    check_model_dir,
    check_output_dir,
    cuda_support,
    load_tokenizer,
    log_last_step,
    lora_config,
    require_training_libraries,
    resolve_precision,
)
from pysynth.train.spec import DPOSpec

if TYPE_CHECKING:
    from transformers import PreTrainedModel
    from trl.trainer.dpo_config import DPOConfig

DPO_REPORT_NAME = "dpo_report.json"


@dataclass(frozen=True)
class PreferencePoint:
    """The means over one logging interval of the pairs trained on (before each step's update)."""

    step: int
    epoch: float
    loss: float
    margin: float  # rewards/margins: beta * (chosen log-ratio - rejected log-ratio) to the reference
    accuracy: float  # rewards/accuracies: share of pairs whose chosen reward is above the rejected one


@dataclass(frozen=True)
class DPOResult:
    output_dir: Path  # the model, or only the adapter when `adapter` is True, plus the tokenizer
    report_path: Path
    adapter: bool
    pairs: int  # trained on
    pairs_dropped: int  # by trl: the prompt alone fills max_length
    steps: int
    points: tuple[PreferencePoint, ...]  # step 1, every `logging_steps` steps and the last
    runtime_s: float  # of the training loop alone
    device: str

    @property
    def first(self) -> PreferencePoint:
        return self.points[0]

    @property
    def last(self) -> PreferencePoint:
        return self.points[-1]


def train_dpo(spec: DPOSpec) -> DPOResult:
    """Validate the pairs, train, save the model (or adapter) and tokenizer, and write `dpo_report.json`.

    Raises `InputError` for bad rows, `ConfigError` for an unusable model, reference or output directory,
    and `TrainingError` when trl or torch fail during the run."""
    data = load_preference_data(spec.data)
    check_model_dir(spec.model)
    if spec.ref_model is not None:
        check_model_dir(spec.ref_model)
    check_output_dir(spec.output_dir, spec.model)
    require_training_libraries()
    from datasets import Dataset  # type: ignore[import-untyped]
    from trl.trainer.dpo_trainer import DPOTrainer

    tokenizer = load_tokenizer(spec.model)
    if tokenizer.eos_token is None:
        raise ConfigError(f"{spec.model}: the tokenizer has no eos token to end chosen and rejected with")
    cuda, bf16_ok = cuda_support()
    config = _trainer_config(spec, cuda=cuda, bf16_ok=bf16_ok)
    reference = _reference(spec)
    try:
        trainer = DPOTrainer(model=str(spec.model), ref_model=reference, args=config,
                             train_dataset=Dataset.from_list(data.rows), processing_class=tokenizer,
                             peft_config=lora_config(spec.lora), callbacks=[log_last_step()])
        prepared = trainer.train_dataset
        kept = len(prepared) if isinstance(prepared, Sized) else len(data)
        if kept == 0:
            raise TrainingError(f"{spec.data}: every prompt fills max_length {spec.max_length}; raise max_length")
        output = trainer.train()
        trainer.save_model(str(spec.output_dir))
    except (ValueError, RuntimeError, OSError) as error:
        raise TrainingError(f"DPO training of {spec.model} on {spec.data} failed: {error}") from error
    points = tuple(
        PreferencePoint(step=int(entry["step"]), epoch=float(entry["epoch"]), loss=float(entry["loss"]),
                        margin=float(entry["rewards/margins"]), accuracy=float(entry["rewards/accuracies"]))
        for entry in trainer.state.log_history if "loss" in entry and "rewards/margins" in entry)
    if not points:
        raise TrainingError(f"DPO training of {spec.model} ran no optimizer step ({len(data)} pairs, "
                            f"batch {spec.batch_size} x {spec.grad_accum}, {spec.epochs} epochs)")
    result = DPOResult(
        output_dir=spec.output_dir, report_path=spec.output_dir / DPO_REPORT_NAME, adapter=spec.lora is not None,
        pairs=kept, pairs_dropped=len(data) - kept, steps=int(trainer.state.global_step), points=points,
        runtime_s=float(output.metrics["train_runtime"]), device="cuda" if cuda else "cpu",
    )
    if trainer.is_world_process_zero():
        write_text_atomically(result.report_path, json.dumps(_report(result, spec, data), indent=2) + "\n")
    return result


def _trainer_config(spec: DPOSpec, *, cuda: bool, bf16_ok: bool) -> DPOConfig:
    from trl.trainer.dpo_config import DPOConfig

    precision = resolve_precision(spec.precision, cuda=cuda, bf16_ok=bf16_ok)
    return DPOConfig(
        output_dir=str(spec.output_dir), num_train_epochs=spec.epochs, learning_rate=spec.learning_rate,
        beta=spec.beta, loss_type=["sigmoid"], per_device_train_batch_size=spec.batch_size,
        gradient_accumulation_steps=spec.grad_accum, max_length=spec.max_length, truncation_mode="keep_start",
        lr_scheduler_type=spec.lr_scheduler, warmup_steps=spec.warmup_steps, weight_decay=spec.weight_decay,
        model_init_kwargs={"dtype": spec.model_dtype}, seed=spec.seed, data_seed=spec.seed,
        logging_steps=spec.logging_steps,
        logging_first_step=True,  # the margin before any update (0): the "first" of first -> last
        activation_checkpointing=spec.gradient_checkpointing, bf16=precision == "bf16", fp16=precision == "fp16",
        use_cpu=not cuda, report_to="none", save_strategy="no",
    )


def _reference(spec: DPOSpec) -> PreTrainedModel | None:
    """The frozen reference, loaded like the policy; None lets trl make it (a copy, or the adapter disabled)."""
    if spec.ref_model is None:
        return None
    from transformers import AutoModelForCausalLM

    try:
        reference: PreTrainedModel = AutoModelForCausalLM.from_pretrained(str(spec.ref_model),
                                                                          dtype=spec.model_dtype)
    except (OSError, ValueError) as error:
        raise ConfigError(f"{spec.ref_model}: cannot load the reference model: {error}") from None
    reference.requires_grad_(False)  # trl also disables its dropout and prepares it in evaluation mode
    return reference


def _report(result: DPOResult, spec: DPOSpec, data: PreferenceData) -> dict[str, Any]:
    return {
        "spec": spec.model_dump(mode="json"), "pairs": result.pairs, "pairs_dropped": result.pairs_dropped,
        "steps": result.steps, "device": result.device, "runtime_s": round(result.runtime_s, 3),
        "adapter": result.adapter, "data": str(data.path),
        "first": _point(result.first), "last": _point(result.last),
        "points": [_point(point) for point in result.points],
    }


def _point(point: PreferencePoint) -> dict[str, float | int]:
    return {"step": point.step, "epoch": point.epoch, "loss": point.loss, "rewards/margins": point.margin,
            "rewards/accuracies": point.accuracy}
