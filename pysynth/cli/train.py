"""`pysynth train sft | dpo`: fine-tuning a generator model (QuEST rejection fine-tuning; ScaleQuest QFT, QPO).

    pysynth train sft --model ./Qwen3-8B --data accepted.jsonl --output runs/rft-1 --lora-r 16
    pysynth train sft --config sft.yaml --epochs 2          # flags override the file's keys
    pysynth train sft --format questions --data gsm8k_math_train.jsonl --model ./Qwen2-Math-7B-Instruct \
        --output runs/qft --epochs 1 --lr 2e-5 --max-length 256        # ScaleQuest QFT (the paper's values)
    pysynth train dpo --model runs/qft --data qpo_pairs.jsonl --output runs/qpo   # beta 0.1, lr 5e-7, 1 epoch

The data is the accepted rows of a pipeline, as JSONL or Parquet, with a `messages` column or
`prompt` + `completion` columns (lists of {role, content}); see `pysynth.train.data`. The model is a
local directory (config.json, weights, a tokenizer with a chat template): on a GPU node, point
--model at a real checkpoint, e.g. one `huggingface-cli download Qwen/Qwen3-8B --local-dir ./Qwen3-8B`
fetched; it trains in bf16 mixed precision there, and in fp32 on CPU (only for tiny models). For
several GPUs, start the same command through `accelerate launch -m pysynth.cli train sft ...`.
The output directory receives the model (with LoRA: only the adapter), the tokenizer and
`sft_report.json` with the loss of every logging step. With `--format questions` the rows are bare
questions (a `question` column, or MATH-style `problem`), each learned whole as the user turn of the chat
template. `train dpo` takes trl's preference rows (text `prompt`, `chosen`, `rejected`), trains with
the sigmoid DPO loss against `--ref-model` (default: a frozen copy of --model; with LoRA, the model
with its adapter disabled) and writes `dpo_report.json` (loss, reward margin and accuracy per logging
step). Needs `pip install 'pysynth[train]'`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pysynth.cli.options import CONTEXT, PATH
from pysynth.errors import ConfigError


@click.group("train", context_settings=CONTEXT)
def train_app() -> None:
    """Fine-tune a generator model on pysynth's output."""


def register(app: click.Group) -> None:
    app.add_command(train_app)


def _shared_options(kind: str, model_help: str, data_help: str) -> Callable[[Any], Any]:
    """The options both trainers take (every one optional: `--config FILE` may give it)."""
    options = [
        click.option("--config", type=PATH, help=f"A YAML file of {kind} options; flags override it."),
        click.option("--model", type=PATH, help=model_help),
        click.option("--data", type=PATH, help=data_help),
        click.option("--output", type=PATH, help="New or empty directory for the model and report."),
        click.option("--lora-r", type=int, help="Train a LoRA adapter of this rank instead of all weights."),
        click.option("--lora-alpha", type=int, help="LoRA alpha (default 32)."),
        click.option("--lora-dropout", type=float, help="LoRA dropout (default 0.05)."),
        click.option("--lora-targets", help="Comma-separated module names, or all-linear (default all-linear)."),
        click.option("--seed", type=int, help="Seed of the run (default 42)."),
    ]

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


@train_app.command("sft")
@_shared_options("SFTSpec", "Local model directory (config, weights, tokenizer).",
                 "Rows (.jsonl or .parquet): messages, or prompt+completion.")
@click.option("--format", "data_format", help=(
    "conversations (default), or questions: a `question`/`problem` column learned whole as the user turn "
    "(ScaleQuest QFT; the paper: --epochs 1 --lr 2e-5 --max-length 256)."))
@click.option("--epochs", type=float, help="Passes over the data (default 3).")
@click.option("--lr", type=float, help="Peak learning rate (default 2e-5).")
@click.option("--batch-size", type=int, help="Rows per device and step (default 4).")
@click.option("--grad-accum", type=int, help="Gradient accumulation steps (default 4).")
@click.option("--max-length", type=int, help="Tokens per row; longer rows are cut (default 4096).")
@click.option("--full-loss/--completion-only-loss", default=None,
              help="Loss on every token, or only the assistant's (default only).")
@click.option("--logging-steps", type=int, help="Steps between two logged losses (default 10).")
def sft_command(config: Path | None, model: Path | None, data: Path | None, output: Path | None,
                lora_r: int | None, lora_alpha: int | None, lora_dropout: float | None, lora_targets: str | None,
                seed: int | None, data_format: str | None, epochs: float | None, lr: float | None,
                batch_size: int | None, grad_accum: int | None, max_length: int | None, full_loss: bool | None,
                logging_steps: int | None) -> None:
    """Supervised fine-tuning with trl's SFTTrainer; prints the loss first -> last and where the model is."""
    from pysynth.train import SFTSpec, load_sft_spec, train_sft

    options = _options(
        {"model": model, "data": data, "output_dir": output, "epochs": epochs, "learning_rate": lr,
         "batch_size": batch_size, "grad_accum": grad_accum, "max_length": max_length, "seed": seed,
         "logging_steps": logging_steps, "completion_only_loss": None if full_loss is None else not full_loss,
         "format": data_format},
        {"r": lora_r, "alpha": lora_alpha, "dropout": lora_dropout, "target_modules": lora_targets})
    spec = load_sft_spec(config, options) if config is not None else SFTSpec.build(**_required(options))
    result = train_sft(spec)
    what = f"LoRA adapter (base model {spec.model})" if result.adapter else "model"
    if result.rows_dropped:
        click.echo(f"dropped {result.rows_dropped} rows with no completion token within max_length {spec.max_length}")
    click.echo(f"trained on {result.rows} rows, {result.steps} steps in {result.runtime_s:.1f} s "
               f"({result.device}): loss {result.first_loss:.4f} -> {result.last_loss:.4f}")
    click.echo(f"{what} saved to {result.output_dir}; report: {result.report_path}")


@train_app.command("dpo")
@_shared_options("DPOSpec", "Local directory of the policy to train (ScaleQuest: QFT).",
                 "Pairs (.jsonl or .parquet): text prompt, chosen, rejected.")
@click.option("--ref-model", type=PATH,
              help="Frozen reference model directory (default: a copy of --model; with LoRA, its adapter disabled).")
@click.option("--beta", type=float, help="DPO beta (default 0.1).")
@click.option("--epochs", type=float, help="Passes over the pairs (default 1).")
@click.option("--lr", type=float, help="Peak learning rate (default 5e-7).")
@click.option("--batch-size", type=int, help="Pairs per device and step (default 4).")
@click.option("--grad-accum", type=int, help="Gradient accumulation steps (default 32).")
@click.option("--max-length", type=int, help="Tokens of prompt + answer (default 1024).")
@click.option("--warmup-steps", type=int, help="Linear warm-up steps (default 20).")
@click.option("--logging-steps", type=int, help="Steps between two logged points (default 10).")
def dpo_command(config: Path | None, model: Path | None, data: Path | None, output: Path | None,
                lora_r: int | None, lora_alpha: int | None, lora_dropout: float | None, lora_targets: str | None,
                seed: int | None, ref_model: Path | None, beta: float | None, epochs: float | None,
                lr: float | None, batch_size: int | None, grad_accum: int | None, max_length: int | None,
                warmup_steps: int | None, logging_steps: int | None) -> None:
    """Preference optimisation with trl's DPOTrainer (sigmoid loss); prints the reward margin first -> last."""
    from pysynth.train import DPOSpec, load_dpo_spec, train_dpo

    options = _options(
        {"model": model, "data": data, "output_dir": output, "ref_model": ref_model, "beta": beta,
         "epochs": epochs, "learning_rate": lr, "batch_size": batch_size, "grad_accum": grad_accum,
         "max_length": max_length, "warmup_steps": warmup_steps, "seed": seed, "logging_steps": logging_steps},
        {"r": lora_r, "alpha": lora_alpha, "dropout": lora_dropout, "target_modules": lora_targets})
    spec = load_dpo_spec(config, options) if config is not None else DPOSpec.build(**_required(options))
    result = train_dpo(spec)
    what = f"LoRA adapter (base model {spec.model})" if result.adapter else "model"
    if result.pairs_dropped:
        click.echo(f"dropped {result.pairs_dropped} pairs whose prompt fills max_length {spec.max_length}")
    first, last = result.first, result.last
    click.echo(f"trained on {result.pairs} pairs, {result.steps} steps in {result.runtime_s:.1f} s "
               f"({result.device}): reward margin {first.margin:.4f} -> {last.margin:.4f}, "
               f"accuracy {first.accuracy:.2f} -> {last.accuracy:.2f}, loss {first.loss:.4f} -> {last.loss:.4f}")
    click.echo(f"{what} saved to {result.output_dir}; report: {result.report_path}")


def _options(values: dict[str, Any], lora: dict[str, Any]) -> dict[str, Any]:
    """The flags that were given, with the LoRA ones gathered under `lora`."""
    options = {name: value for name, value in values.items() if value is not None}
    if lora.get("target_modules") is not None:
        lora["target_modules"] = _targets(lora["target_modules"])
    if any(value is not None for value in lora.values()):
        options["lora"] = {name: value for name, value in lora.items() if value is not None}
    return options


def _required(options: dict[str, Any]) -> dict[str, Any]:
    missing = [flag for flag, name in (("--model", "model"), ("--data", "data"), ("--output", "output_dir"))
               if name not in options]
    if missing:
        raise ConfigError(f"{', '.join(missing)} required (or --config FILE)")
    return options


def _targets(text: str) -> str | list[str]:
    names = [name.strip() for name in text.split(",")]
    return "all-linear" if names == ["all-linear"] else names
