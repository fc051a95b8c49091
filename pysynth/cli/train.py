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

# Annotations evaluated at definition, not as strings: see the note in `pysynth.cli.root`.
from pathlib import Path
from typing import Annotated, Any

import typer

from pysynth.errors import ConfigError

train_app = typer.Typer(help="Fine-tune a generator model on pysynth's output.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")


@train_app.command("sft")
def sft_command(
    config: Annotated[Path | None, typer.Option(help="A YAML file of SFTSpec options; flags override it.")] = None,
    model: Annotated[Path | None, typer.Option(help="Local model directory (config, weights, tokenizer).")] = None,
    data: Annotated[Path | None, typer.Option(help="Rows (.jsonl or .parquet): messages, or prompt+completion.")
                    ] = None,
    data_format: Annotated[str | None, typer.Option("--format", help=(
        "conversations (default), or questions: a `question`/`problem` column learned whole as the user turn "
        "(ScaleQuest QFT; the paper: --epochs 1 --lr 2e-5 --max-length 256)."))] = None,
    output: Annotated[Path | None, typer.Option(help="New or empty directory for the model and report.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Passes over the data (default 3).")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (default 2e-5).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Rows per device and step (default 4).")] = None,
    grad_accum: Annotated[int | None, typer.Option(help="Gradient accumulation steps (default 4).")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per row; longer rows are cut (default 4096).")
                          ] = None,
    lora_r: Annotated[int | None, typer.Option(help="Train a LoRA adapter of this rank instead of all weights.")
                      ] = None,
    lora_alpha: Annotated[int | None, typer.Option(help="LoRA alpha (default 32).")] = None,
    lora_dropout: Annotated[float | None, typer.Option(help="LoRA dropout (default 0.05).")] = None,
    lora_targets: Annotated[str | None, typer.Option(
        help="Comma-separated module names, or all-linear (default all-linear).")] = None,
    full_loss: Annotated[bool | None, typer.Option(
        "--full-loss/--completion-only-loss", help="Loss on every token, or only the assistant's (default only)."
    )] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run (default 42).")] = None,
    logging_steps: Annotated[int | None, typer.Option(help="Steps between two logged losses (default 10).")
                             ] = None,
) -> None:
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
        typer.echo(f"dropped {result.rows_dropped} rows with no completion token within max_length {spec.max_length}")
    typer.echo(f"trained on {result.rows} rows, {result.steps} steps in {result.runtime_s:.1f} s "
               f"({result.device}): loss {result.first_loss:.4f} -> {result.last_loss:.4f}")
    typer.echo(f"{what} saved to {result.output_dir}; report: {result.report_path}")


@train_app.command("dpo")
def dpo_command(
    config: Annotated[Path | None, typer.Option(help="A YAML file of DPOSpec options; flags override it.")] = None,
    model: Annotated[Path | None, typer.Option(help="Local directory of the policy to train (ScaleQuest: QFT).")
                     ] = None,
    data: Annotated[Path | None, typer.Option(help="Pairs (.jsonl or .parquet): text prompt, chosen, rejected.")
                    ] = None,
    output: Annotated[Path | None, typer.Option(help="New or empty directory for the model and report.")] = None,
    ref_model: Annotated[Path | None, typer.Option(
        help="Frozen reference model directory (default: a copy of --model; with LoRA, its adapter disabled).")
    ] = None,
    beta: Annotated[float | None, typer.Option(help="DPO beta (default 0.1).")] = None,
    epochs: Annotated[float | None, typer.Option(help="Passes over the pairs (default 1).")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate (default 5e-7).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Pairs per device and step (default 4).")] = None,
    grad_accum: Annotated[int | None, typer.Option(help="Gradient accumulation steps (default 32).")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens of prompt + answer (default 1024).")] = None,
    warmup_steps: Annotated[int | None, typer.Option(help="Linear warm-up steps (default 20).")] = None,
    lora_r: Annotated[int | None, typer.Option(help="Train a LoRA adapter of this rank instead of all weights.")
                      ] = None,
    lora_alpha: Annotated[int | None, typer.Option(help="LoRA alpha (default 32).")] = None,
    lora_dropout: Annotated[float | None, typer.Option(help="LoRA dropout (default 0.05).")] = None,
    lora_targets: Annotated[str | None, typer.Option(
        help="Comma-separated module names, or all-linear (default all-linear).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run (default 42).")] = None,
    logging_steps: Annotated[int | None, typer.Option(help="Steps between two logged points (default 10).")
                             ] = None,
) -> None:
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
        typer.echo(f"dropped {result.pairs_dropped} pairs whose prompt fills max_length {spec.max_length}")
    first, last = result.first, result.last
    typer.echo(f"trained on {result.pairs} pairs, {result.steps} steps in {result.runtime_s:.1f} s "
               f"({result.device}): reward margin {first.margin:.4f} -> {last.margin:.4f}, "
               f"accuracy {first.accuracy:.2f} -> {last.accuracy:.2f}, loss {first.loss:.4f} -> {last.loss:.4f}")
    typer.echo(f"{what} saved to {result.output_dir}; report: {result.report_path}")


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
