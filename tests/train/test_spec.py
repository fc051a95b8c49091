"""SFTSpec: defaults, bounds, unknown keys, and YAML files with file:line errors and flag overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pysynth.errors import ConfigError, SpecError
from pysynth.train import LoraSpec, SFTSpec, load_sft_spec

PATHS: dict[str, Any] = {"model": "m", "data": "d.jsonl", "output_dir": "out"}


def test_defaults_train_on_completions_without_lora() -> None:
    spec = SFTSpec.build(**PATHS)
    assert spec.completion_only_loss and spec.lora is None and spec.precision == "auto"
    assert spec.model == Path("m") and spec.epochs == 3.0 and spec.learning_rate == 2e-5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": 0}, "epochs: Input should be greater than 0"),
        ({"batch_size": 0}, "batch_size: Input should be greater than or equal to 1"),
        ({"lora": {"r": 0}}, "lora.r: Input should be greater than or equal to 1"),
        ({"lora": {"target_modules": []}}, "lora.target_modules"),
        ({"lora": {"rank": 8}}, "lora.rank: unknown option"),
        ({"learning_rte": 1e-4}, "learning_rte: unknown option"),
        ({"precision": "int8"}, "precision: Input should be"),
    ],
)
def test_bad_options_name_the_field(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        SFTSpec.build(**PATHS, **options)


def test_lora_targets_accept_names_or_all_linear() -> None:
    assert LoraSpec.build(target_modules=["q_proj", "v_proj"]).target_modules == ("q_proj", "v_proj")
    assert LoraSpec.build().target_modules == "all-linear"


def test_yaml_paths_are_relative_to_the_file_and_flags_override(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "sft.yaml"
    config.parent.mkdir()
    config.write_text("model: models/base\ndata: /abs/rows.jsonl\noutput_dir: out\nepochs: 2\n"
                      "lora:\n  r: 8\n  alpha: 16\n")
    spec = load_sft_spec(config, {"epochs": 5.0, "lora": {"r": 4}})
    assert spec.model == config.parent / "models" / "base"
    assert spec.data == Path("/abs/rows.jsonl") and spec.output_dir == config.parent / "out"
    assert spec.epochs == 5.0 and spec.lora == LoraSpec.build(r=4, alpha=16)


def test_yaml_errors_point_at_the_line(tmp_path: Path) -> None:
    config = tmp_path / "sft.yaml"
    config.write_text("model: m\ndata: d.jsonl\noutput_dir: out\nlearning_rate: -1\nepoks: 2\n")
    with pytest.raises(SpecError) as caught:
        load_sft_spec(config)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{config}:4:16: learning_rate: must be greater than 0.0 (got -1)"
    assert lines[1].startswith(f"{config}:5:1: epoks: unknown field 'epoks'")


def test_yaml_missing_field_and_bad_override(tmp_path: Path) -> None:
    config = tmp_path / "sft.yaml"
    config.write_text("model: m\ndata: d.jsonl\n")
    with pytest.raises(SpecError, match="missing required field 'output_dir'"):
        load_sft_spec(config)
    with pytest.raises(ConfigError, match="^epochs: Input should be greater than 0"):
        load_sft_spec(config, {"output_dir": "out", "epochs": -1.0})
    with pytest.raises(ConfigError, match="no such config file"):
        load_sft_spec(tmp_path / "absent.yaml")
