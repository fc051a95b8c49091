"""`pysynth train sft`: supervised fine-tuning (QuEST rejection fine-tuning) of a generator model.

    pysynth train sft --model ./Qwen3-8B --data accepted.jsonl --output runs/rft-1 --lora-r 16
    pysynth train sft --config sft.yaml --epochs 2          # flags override the file's keys

The data is the accepted rows of a pipeline, as JSONL or Parquet, with a `messages` column or
`prompt` + `completion` columns (lists of {role, content}); see `pysynth.train.data`. The model is a
local directory (config.json, weights, a tokenizer with a chat template): on a GPU node, point
--model at a real checkpoint, e.g. one `huggingface-cli download Qwen/Qwen3-8B --local-dir ./Qwen3-8B`
fetched; it trains in bf16 mixed precision there, and in fp32 on CPU (only for tiny models). For
several GPUs, start the same command through `accelerate launch -m pysynth.cli train sft ...`.
The output directory receives the model (with LoRA: only the adapter), the tokenizer and
`sft_report.json` with the loss of every logging step. Needs `pip install 'pysynth[train]'`.
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

    options: dict[str, Any] = {
        "model": model, "data": data, "output_dir": output, "epochs": epochs, "learning_rate": lr,
        "batch_size": batch_size, "grad_accum": grad_accum, "max_length": max_length, "seed": seed,
        "logging_steps": logging_steps, "completion_only_loss": None if full_loss is None else not full_loss,
    }
    lora = {"r": lora_r, "alpha": lora_alpha, "dropout": lora_dropout,
            "target_modules": _targets(lora_targets) if lora_targets is not None else None}
    options = {name: value for name, value in options.items() if value is not None}
    if any(value is not None for value in lora.values()):
        options["lora"] = {name: value for name, value in lora.items() if value is not None}
    if config is not None:
        spec = load_sft_spec(config, options)
    else:
        missing = [flag for flag, name in (("--model", "model"), ("--data", "data"), ("--output", "output_dir"))
                   if name not in options]
        if missing:
            raise ConfigError(f"{', '.join(missing)} required (or --config FILE)")
        spec = SFTSpec.build(**options)
    result = train_sft(spec)
    what = f"LoRA adapter (base model {spec.model})" if result.adapter else "model"
    if result.rows_dropped:
        typer.echo(f"dropped {result.rows_dropped} rows with no completion token within max_length {spec.max_length}")
    typer.echo(f"trained on {result.rows} rows, {result.steps} steps in {result.runtime_s:.1f} s "
               f"({result.device}): loss {result.first_loss:.4f} -> {result.last_loss:.4f}")
    typer.echo(f"{what} saved to {result.output_dir}; report: {result.report_path}")


def _targets(text: str) -> str | list[str]:
    names = [name.strip() for name in text.split(",")]
    return "all-linear" if names == ["all-linear"] else names
