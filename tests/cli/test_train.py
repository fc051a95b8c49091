"""`pysynth train sft` end to end: flags, a YAML config with overrides, and errors on stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pysynth.cli import app
from pysynth.train import REPORT_NAME
from tests.train.tiny import messages_rows, prompt_completion_rows, write_jsonl

SPEED = ["--batch-size", "8", "--grad-accum", "1", "--max-length", "64", "--logging-steps", "1"]
SUMMARY = re.compile(r"trained on (\d+) rows, (\d+) steps in [\d.]+ s \(cpu\): loss ([\d.]+) -> ([\d.]+)")


def test_flags_train_and_report_where_the_model_is(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", messages_rows(32))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "sft", "--model", str(tiny_model), "--data", str(data),
                                      "--output", str(out), "--epochs", "4", "--lr", "5e-3", *SPEED])
    assert result.exit_code == 0, result.output
    summary = SUMMARY.search(result.output)
    assert summary is not None, result.output
    rows, steps, first, last = summary.groups()
    assert (rows, steps) == ("32", "16") and float(last) < 0.8 * float(first), result.output
    assert f"model saved to {out}; report: {out / REPORT_NAME}" in result.output
    assert (out / "model.safetensors").is_file()


def test_config_file_with_flag_overrides_trains_a_lora_adapter(tiny_model: Path, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "rows.jsonl", prompt_completion_rows(16))
    config = tmp_path / "sft.yaml"
    config.write_text(f"model: {tiny_model}\ndata: rows.jsonl\noutput_dir: adapter\nepochs: 1\nlearning_rate: 0.05\n"
                      "lora:\n  r: 8\n  target_modules: [q_proj, v_proj]\n")
    result = CliRunner().invoke(app, ["train", "sft", "--config", str(config), "--lora-r", "4", "--epochs", "2",
                                      *SPEED])
    assert result.exit_code == 0, result.output
    out = tmp_path / "adapter"
    assert f"LoRA adapter (base model {tiny_model}) saved to {out}" in result.output
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["spec"]["lora"]["r"] == 4 and report["spec"]["lora"]["target_modules"] == ["q_proj", "v_proj"]
    assert report["spec"]["epochs"] == 2 and report["steps"] == 4 and report["format"] == "prompt_completion"
    assert (out / "adapter_model.safetensors").is_file()


def pysynth(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pysynth.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_errors_exit_2_with_one_line_naming_the_problem(tmp_path: Path) -> None:
    rows = messages_rows(3)
    rows[1]["messages"][0]["role"] = "narrator"
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    bad_row = pysynth("train", "sft", "--model", tmp_path, "--data", data, "--output", tmp_path / "out")
    assert bad_row.returncode == 2
    assert bad_row.stderr.strip() == (f"error: {data}: line 2: messages[0].role: must be one of system, user, "
                                      "assistant (got 'narrator')")
    missing = pysynth("train", "sft", "--data", data)
    assert missing.returncode == 2 and missing.stderr.strip() == "error: --model, --output required (or --config FILE)"
