"""train_dpo on the tiny in-process Llama: the reward margin and accuracy rise, LoRA, the reference, errors."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pysynth.cli import app
from pysynth.errors import ConfigError, InputError
from pysynth.train import DPO_REPORT_NAME, DPOResult, DPOSpec, load_preference_data, train_dpo
from tests.train.tiny import NUMBERS, write_jsonl

PREQUERY = "<|user|> "  # the tiny template's pre-query template: a question follows the user header
FAST = {"batch_size": 8, "grad_accum": 1, "logging_steps": 1, "max_length": 32, "gradient_checkpointing": False,
        "warmup_steps": 0, "lr_scheduler": "constant"}


def pairs(count: int, seed: int = 0) -> list[dict[str, str]]:
    """Easy pairs: a well-formed question against the same words scrambled."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        a, b = NUMBERS[rng.randint(0, 5)], NUMBERS[rng.randint(0, 5)]
        rows.append({"prompt": PREQUERY, "chosen": f"what is {a} plus {b}", "rejected": f"plus plus {a} is what"})
    return rows


def run(model: Path, tmp_path: Path, rows: list[dict[str, Any]], **options: Any) -> DPOResult:
    data = write_jsonl(tmp_path / "pairs.jsonl", rows)
    return train_dpo(DPOSpec.build(model=model, data=data, output_dir=tmp_path / "out", **{**FAST, **options}))


def test_reward_margin_and_accuracy_rise(tiny_model: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    result = run(tiny_model, tmp_path, pairs(16), epochs=4, learning_rate=5e-3)
    margins = [point.margin for point in result.points]
    assert result.steps == 8 and len(result.points) == 8 and result.device == "cpu" and not result.adapter
    # Step 1 is measured before any update: the policy equals its reference, every reward is 0.
    assert result.first.margin == pytest.approx(0.0, abs=1e-6) and result.first.accuracy == 0.0
    assert result.last.margin > 1.0 and result.last.accuracy == 1.0, margins
    assert result.last.loss < 0.5 * result.first.loss, [point.loss for point in result.points]
    report = json.loads((tmp_path / "out" / DPO_REPORT_NAME).read_text())
    assert [point["rewards/margins"] for point in report["points"]] == margins
    assert report["last"]["rewards/accuracies"] == 1.0 and report["spec"]["beta"] == 0.1
    trained = AutoModelForCausalLM.from_pretrained(result.output_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    name, weight = next(iter(trained.state_dict().items()))
    assert not torch.equal(weight, base.state_dict()[name]), f"{name} did not change"


def test_lora_with_an_explicit_reference_saves_only_an_adapter(tiny_model: Path, tmp_path: Path) -> None:
    result = run(tiny_model, tmp_path, pairs(16), epochs=3, learning_rate=5e-2, ref_model=tiny_model,
                 lora={"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": ["q_proj", "v_proj", "down_proj"]})
    saved = {path.name for path in result.output_dir.iterdir()}
    assert result.adapter and "adapter_model.safetensors" in saved and "model.safetensors" not in saved
    assert result.last.margin > result.first.margin + 0.2 and result.last.accuracy == 1.0, result.points


def test_defaults_are_the_authors_and_unknown_keys_fail() -> None:
    spec = DPOSpec.build(model="m", data="p.jsonl", output_dir="out")
    assert (spec.beta, spec.learning_rate, spec.epochs, spec.max_length) == (0.1, 5e-7, 1.0, 1024)
    assert spec.batch_size * spec.grad_accum == 128 and spec.ref_model is None and spec.lora is None
    with pytest.raises(ConfigError, match="^betta: unknown option$"):
        DPOSpec.build(model="m", data="p.jsonl", output_dir="out", betta=0.2)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"prompt": PREQUERY, "chosen": "what is one", "rejected": " what is one "}, "rejected: is the same text as chosen"),
        ({"prompt": PREQUERY, "chosen": "", "rejected": "what"}, "chosen: is empty"),
        ({"prompt": None, "chosen": "a", "rejected": "b"}, "prompt: must be text (missing)"),
    ],
)
def test_bad_pairs_name_the_line_and_field(tmp_path: Path, row: dict[str, Any], message: str) -> None:
    data = write_jsonl(tmp_path / "pairs.jsonl", [*pairs(1), row])
    with pytest.raises(InputError) as caught:
        load_preference_data(data)
    assert str(caught.value) == f"{data}: line 2: {message}"


def test_cli_config_with_overrides_prints_the_margin(tiny_model: Path, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "pairs.jsonl", pairs(16))
    config = tmp_path / "dpo.yaml"
    config.write_text(f"model: {tiny_model}\ndata: pairs.jsonl\noutput_dir: qpo\nbatch_size: 8\ngrad_accum: 1\n"
                      "max_length: 32\nwarmup_steps: 0\ngradient_checkpointing: false\nlogging_steps: 1\n")
    result = CliRunner().invoke(app, ["train", "dpo", "--config", str(config), "--lr", "5e-3", "--epochs", "2"])
    assert result.exit_code == 0, result.output
    assert "trained on 16 pairs, 4 steps in" in result.output and "reward margin 0.0000 -> " in result.output
    assert f"model saved to {tmp_path / 'qpo'}; report: {tmp_path / 'qpo' / DPO_REPORT_NAME}" in result.output
    assert json.loads((tmp_path / "qpo" / DPO_REPORT_NAME).read_text())["spec"]["learning_rate"] == 5e-3


def pysynth(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pysynth.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "pairs.jsonl", [{"prompt": PREQUERY, "chosen": "what is one"}])
    missing = pysynth("train", "dpo", "--model", tmp_path, "--data", data, "--output", tmp_path / "out")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (f"error: {data}: needs text columns prompt, chosen and rejected; missing "
                                      "rejected (columns: prompt, chosen)")
    config = tmp_path / "dpo.yaml"
    config.write_text("model: m\ndata: pairs.jsonl\noutput_dir: out\nbeta: 0.1\nref_modle: qft\n")
    bad_key = pysynth("train", "dpo", "--config", config)
    assert bad_key.returncode == 2 and bad_key.stderr.strip().startswith(f"error: {config}:5:1: ref_modle: unknown")
    assert len(bad_key.stderr.strip().splitlines()) == 1, bad_key.stderr
    questions = write_jsonl(tmp_path / "rows.jsonl", [{"text": "what is one"}])
    no_column = pysynth("train", "sft", "--format", "questions", "--model", tmp_path, "--data", questions,
                        "--output", tmp_path / "out")
    assert no_column.returncode == 2 and no_column.stderr.strip() == (
        f"error: {questions}: needs a `question` (or MATH-style `problem`) column (columns: text)")
