"""train_sft on a tiny in-process Llama: the loss goes down, the loss mask is applied, outputs load back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pysynth.errors import ConfigError, InputError, TrainingError
from pysynth.train import REPORT_NAME, SFTResult, SFTSpec, train_sft
from tests.train.tiny import CHAT_TEMPLATE, messages_rows, prompt_completion_rows, write_jsonl

FAST = {"batch_size": 8, "grad_accum": 1, "logging_steps": 1, "max_length": 64, "gradient_checkpointing": False,
        "warmup_ratio": 0.0, "lr_scheduler": "linear"}


def run(model: Path, tmp_path: Path, rows: list[dict[str, Any]], **options: Any) -> SFTResult:
    data = write_jsonl(tmp_path / "rows.jsonl", rows)
    return train_sft(SFTSpec.build(model=model, data=data, output_dir=tmp_path / "out", **{**FAST, **options}))


def test_full_fine_tuning_lowers_the_loss(tiny_model: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    result = run(tiny_model, tmp_path, messages_rows(32), epochs=4, learning_rate=5e-3)
    assert result.steps == 16 and len(result.losses) == 16 and result.device == "cpu" and not result.adapter
    assert result.last_loss < 0.75 * result.first_loss, [point.loss for point in result.losses]
    report = json.loads(result.report_path.read_text())
    assert result.report_path == tmp_path / "out" / REPORT_NAME
    assert [point["loss"] for point in report["losses"]] == [point.loss for point in result.losses]
    assert report["format"] == "messages" and report["rows"] == 32 and report["spec"]["epochs"] == 4

    trained = AutoModelForCausalLM.from_pretrained(result.output_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    name, weight = next(iter(trained.state_dict().items()))
    assert not torch.equal(weight, base.state_dict()[name]), f"{name} did not change"
    assert AutoTokenizer.from_pretrained(result.output_dir).chat_template == CHAT_TEMPLATE


def test_lora_trains_and_saves_only_an_adapter(tiny_model: Path, tmp_path: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    result = run(tiny_model, tmp_path, messages_rows(32), epochs=4, learning_rate=5e-2,
                 lora={"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": ["q_proj", "v_proj", "down_proj"]})
    assert result.adapter
    saved = {path.name for path in result.output_dir.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json"} <= saved
    assert "model.safetensors" not in saved
    assert result.last_loss < 0.8 * result.first_loss, [point.loss for point in result.losses]
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), result.output_dir)
    assert json.loads((result.output_dir / "adapter_config.json").read_text())["r"] == 8
    assert sum("lora_A" in name for name, _ in adapted.named_parameters()) == 3 * 2  # 3 modules x 2 layers


def test_loss_is_on_the_assistant_tokens_in_both_layouts(tiny_model: Path, tmp_path: Path) -> None:
    def losses(rows: list[dict[str, Any]], name: str, **options: Any) -> list[float]:
        (tmp_path / name).mkdir()
        result = run(tiny_model, tmp_path / name, rows, epochs=2, learning_rate=5e-3, **options)
        return [point.loss for point in result.losses]

    on_messages = losses(messages_rows(32), "messages")
    on_completions = losses(prompt_completion_rows(32), "prompt_completion")
    on_everything = losses(messages_rows(32), "full", completion_only_loss=False)
    # Same rows, same seed: the assistant mask of `messages` and the completion mask select the same tokens.
    assert on_messages == pytest.approx(on_completions, abs=1e-5)
    # The system prompt and "what is" never change, so counting the prompt makes the loss clearly lower.
    assert on_everything[-1] < on_messages[-1] - 0.15, (on_everything, on_messages)


def test_the_first_and_last_steps_are_always_logged(tiny_model: Path, tmp_path: Path) -> None:
    result = run(tiny_model, tmp_path, messages_rows(16), epochs=6, logging_steps=5)
    assert result.steps == 12 and [point.step for point in result.losses] == [1, 5, 10, 12]
    assert result.rows == 16 and result.rows_dropped == 0


def test_model_dtype_sets_the_dtype_of_the_trained_weights(tiny_model: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    result = run(tiny_model, tmp_path, messages_rows(8), epochs=1, learning_rate=1e-3, model_dtype="bfloat16")
    saved = AutoModelForCausalLM.from_pretrained(result.output_dir, dtype="auto")
    assert {parameter.dtype for parameter in saved.parameters()} == {torch.bfloat16}


def test_max_length_that_leaves_nothing_to_learn_is_a_training_error(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="no row has a token to learn from within max_length 8"):
        run(tiny_model, tmp_path, messages_rows(4), epochs=1, max_length=8)


def _copy_model(tiny_model: Path, tmp_path: Path, template: str | None) -> Path:
    copy = Path(shutil.copytree(tiny_model, tmp_path / "model"))
    (copy / "chat_template.jinja").unlink()
    if template is not None:
        (copy / "chat_template.jinja").write_text(template)
    return copy


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (None, "the tokenizer has no chat template"),
        (CHAT_TEMPLATE.replace("{% generation %}", "").replace("{% endgeneration %}", ""),
         "no {% generation %} markers and trl has no training variant"),
    ],
)
def test_unusable_chat_template_is_a_config_error(tiny_model: Path, tmp_path: Path, template: str | None,
                                                  message: str) -> None:
    model = _copy_model(tiny_model, tmp_path, template)
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        run(model, tmp_path, messages_rows(4), epochs=1)


def test_bad_model_output_and_rows_fail_before_training(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a model directory"):
        run(tmp_path, tmp_path, messages_rows(4))
    with pytest.raises(ConfigError, match="precision fp16 needs a GPU"):
        run(tiny_model, tmp_path, messages_rows(4), precision="fp16")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("previous run")
    with pytest.raises(ConfigError, match="must be new or empty"):
        run(tiny_model, tmp_path, messages_rows(4))
    rows = messages_rows(4)
    rows[2]["messages"][2]["role"] = "robot"
    with pytest.raises(InputError, match=r"rows.jsonl: line 3: messages\[2\].role: must be one of"):
        run(tiny_model, tmp_path, rows)
