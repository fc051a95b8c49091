"""`train_sft`: trl's SFTTrainer on validated conversational rows or questions, full fine-tuning or LoRA.

torch, transformers, trl and peft (the `train` extra) are imported only when a run starts, so the
rest of pysynth never pays for them. On a machine without a GPU the run is on CPU in fp32. The public
helpers below (model and output checks, tokenizer, device, precision, LoRA, last-step logging) are shared with `train_dpo`.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sized
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pysynth.errors import ConfigError, TrainingError
from pysynth.tables import write_text_atomically
from pysynth.train.data import SFTData, SFTFormat, load_sft_data
from pysynth.train.questions import QuestionData, load_question_data, question_rows
from pysynth.train.spec import LoraSpec, Precision, SFTSpec

if TYPE_CHECKING:
    from peft import LoraConfig
    from transformers import PreTrainedTokenizerBase, TrainerCallback
    from trl.trainer.sft_config import SFTConfig

REPORT_NAME = "sft_report.json"
TRAINING_LIBRARIES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets")


@dataclass(frozen=True)
class LossPoint:
    step: int
    epoch: float
    loss: float


@dataclass(frozen=True)
class SFTResult:
    output_dir: Path  # the model, or only the adapter when `adapter` is True, plus the tokenizer
    report_path: Path
    adapter: bool
    rows: int  # trained on
    rows_dropped: int  # by trl: truncated to max_length, no loss token was left
    steps: int  # optimizer steps
    losses: tuple[LossPoint, ...]  # step 1, every `logging_steps` steps and the last; means since the previous
    runtime_s: float  # of the training loop alone
    device: str

    @property
    def first_loss(self) -> float:
        return self.losses[0].loss

    @property
    def last_loss(self) -> float:
        return self.losses[-1].loss


def train_sft(spec: SFTSpec) -> SFTResult:
    """Validate the data, train, save the model (or adapter) and tokenizer, and write `sft_report.json`.

    Raises `InputError` for bad rows, `ConfigError` for an unusable model directory, output
    directory or chat template, and `TrainingError` when trl or torch fail during the run."""
    data = load_question_data(spec.data) if spec.format == "questions" else load_sft_data(spec.data)
    check_model_dir(spec.model)
    check_output_dir(spec.output_dir, spec.model)
    require_training_libraries()
    from datasets import Dataset  # type: ignore[import-untyped]
    from trl.trainer.sft_trainer import SFTTrainer

    tokenizer = load_tokenizer(spec.model)
    _check_chat_template(tokenizer, spec, data)
    rows = question_rows(tokenizer, data.questions) if isinstance(data, QuestionData) else data.rows
    cuda, bf16_ok = cuda_support()
    config = _trainer_config(spec, data.format, cuda=cuda, bf16_ok=bf16_ok)
    try:
        trainer = SFTTrainer(model=str(spec.model), args=config, train_dataset=Dataset.from_list(rows),
                             processing_class=tokenizer, peft_config=lora_config(spec.lora),
                             callbacks=[log_last_step()])
        prepared = trainer.train_dataset  # tokenized, and without the rows trl dropped
        kept = len(prepared) if isinstance(prepared, Sized) else len(data)
        if kept == 0:
            raise TrainingError(f"{spec.data}: no row has a token to learn from within max_length "
                                f"{spec.max_length}: the prompts fill it; raise max_length")
        output = trainer.train()
        trainer.save_model(str(spec.output_dir))
    except (ValueError, RuntimeError, OSError) as error:
        raise TrainingError(f"training {spec.model} on {spec.data} failed: {error}") from error
    losses = tuple(LossPoint(step=int(entry["step"]), epoch=float(entry["epoch"]), loss=float(entry["loss"]))
                   for entry in trainer.state.log_history if "loss" in entry)
    if not losses:
        raise TrainingError(f"training {spec.model} ran no optimizer step ({len(data)} rows, "
                            f"batch {spec.batch_size} x {spec.grad_accum}, {spec.epochs} epochs)")
    result = SFTResult(
        output_dir=spec.output_dir, report_path=spec.output_dir / REPORT_NAME, adapter=spec.lora is not None,
        rows=kept, rows_dropped=len(data) - kept, steps=int(trainer.state.global_step), losses=losses,
        runtime_s=float(output.metrics["train_runtime"]), device="cuda" if cuda else "cpu",
    )
    if trainer.is_world_process_zero():
        write_text_atomically(result.report_path, json.dumps(_report(result, spec, data), indent=2) + "\n")
    return result


def _trainer_config(spec: SFTSpec, layout: SFTFormat, *, cuda: bool, bf16_ok: bool) -> SFTConfig:
    from trl.trainer.sft_config import SFTConfig

    precision = resolve_precision(spec.precision, cuda=cuda, bf16_ok=bf16_ok)
    messages = layout is SFTFormat.MESSAGES
    # Questions come tokenized with their labels (every token), so neither mask applies to them.
    masked = spec.completion_only_loss and layout is not SFTFormat.QUESTIONS
    return SFTConfig(
        output_dir=str(spec.output_dir), num_train_epochs=spec.epochs, learning_rate=spec.learning_rate,
        per_device_train_batch_size=spec.batch_size, gradient_accumulation_steps=spec.grad_accum,
        max_length=spec.max_length, lr_scheduler_type=spec.lr_scheduler, warmup_steps=spec.warmup_ratio,
        model_init_kwargs={"dtype": spec.model_dtype},
        weight_decay=spec.weight_decay, seed=spec.seed, data_seed=spec.seed, logging_steps=spec.logging_steps,
        logging_first_step=True,  # the loss before any update: the "first" of first -> last
        activation_checkpointing=spec.gradient_checkpointing, bf16=precision == "bf16",
        fp16=precision == "fp16", use_cpu=not cuda, report_to="none", save_strategy="no",
        # `messages` rows: mask all but the assistant turns; `prompt`+`completion` rows: all but the completion.
        assistant_only_loss=masked and messages,
        completion_only_loss=None if messages else masked,
    )


def load_tokenizer(model: Path) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(model))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{model}: cannot load its tokenizer: {error}") from None


def cuda_support() -> tuple[bool, bool]:
    """(a GPU is visible, it computes in bf16)."""
    import torch

    cuda = bool(torch.cuda.is_available())
    return cuda, cuda and bool(torch.cuda.is_bf16_supported())


def resolve_precision(precision: Precision, *, cuda: bool, bf16_ok: bool) -> Precision:
    """auto: bf16 mixed precision on a GPU that has it, fp32 otherwise; fp16 only on a GPU."""
    chosen: Precision = precision if precision != "auto" else ("bf16" if bf16_ok else "fp32")
    if chosen == "fp16" and not cuda:
        raise ConfigError("precision fp16 needs a GPU; use fp32 (or bf16) on CPU")
    return chosen


def require_training_libraries() -> None:
    missing = [name for name in TRAINING_LIBRARIES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(f"`pysynth train` needs the training libraries ({', '.join(missing)} missing): "
                          "pip install 'pysynth[train]'")


def check_model_dir(model: Path) -> None:
    if not (model / "config.json").is_file():
        raise ConfigError(f"{model}: not a model directory (no config.json); give a local path, "
                          "e.g. one `huggingface-cli download` or `save_pretrained` wrote")


def check_output_dir(out: Path, model: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out}: the output directory must be new or empty")
    if out.resolve() == model.resolve():
        raise ConfigError(f"{out}: the output directory must not be the model directory")


def _check_chat_template(tokenizer: PreTrainedTokenizerBase, spec: SFTSpec, data: SFTData | QuestionData) -> None:
    if not tokenizer.chat_template:
        raise ConfigError(f"{spec.model}: the tokenizer has no chat template, which conversational rows and "
                          "questions need")
    if spec.completion_only_loss and data.format is SFTFormat.MESSAGES:
        from trl.chat_template_utils import get_training_chat_template

        try:
            get_training_chat_template(tokenizer)
        except ValueError:
            raise ConfigError(
                f"{spec.model}: its chat template has no {{% generation %}} markers and trl has no training "
                "variant of it, so the loss cannot be limited to assistant turns; write the rows as "
                "`prompt` + `completion`, or set completion_only_loss to false") from None


def log_last_step() -> TrainerCallback:
    """Log the final step too, so the last loss is the end of the run, not the last multiple of logging_steps."""
    from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

    class LogLastStep(TrainerCallback):
        def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                        **kwargs: object) -> TrainerControl:
            if state.global_step >= state.max_steps:
                control.should_log = True
            return control

    return LogLastStep()


def lora_config(lora: LoraSpec | None) -> LoraConfig | None:
    if lora is None:
        return None
    from peft import LoraConfig

    targets = lora.target_modules
    return LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                      target_modules=targets if isinstance(targets, str) else list(targets), task_type="CAUSAL_LM")


def _report(result: SFTResult, spec: SFTSpec, data: SFTData | QuestionData) -> dict[str, Any]:
    return {
        "spec": spec.model_dump(mode="json"), "format": data.format.value, "rows": result.rows,
        "rows_dropped": result.rows_dropped,
        "steps": result.steps, "device": result.device, "runtime_s": round(result.runtime_s, 3),
        "adapter": result.adapter, "first_loss": result.first_loss, "last_loss": result.last_loss,
        "losses": [{"step": point.step, "epoch": point.epoch, "loss": point.loss} for point in result.losses],
    }
