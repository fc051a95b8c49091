"""Question fine-tuning rows: the user turn of the chat template with its end token, labels on every token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pysynth.errors import ConfigError, InputError
from pysynth.train import SFTSpec, load_question_data, question_rows, render_question, train_sft
from tests.train.tiny import write_jsonl

QUESTIONS = ["what is two plus three", "what is one plus four", "what is five plus zero", "what is three plus three"]


def test_a_question_is_the_user_turn_ending_with_the_turn_end_token(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    assert render_question(tokenizer, "what is two plus three") == "<|user|> what is two plus three <|end|>"
    (row,) = question_rows(tokenizer, ["what is two plus three"])
    tokens = tokenizer.convert_ids_to_tokens(row["input_ids"])
    assert tokens == ["<|user|>", "what", "is", "two", "plus", "three", "<|end|>"], tokens
    assert row["labels"] == row["input_ids"], "every token, the template's header included, must be learned"


def test_a_template_with_no_turn_end_token_gets_the_eos(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    # DeepSeek-Math style: "User: {question}\n\n" and nothing closes the turn.
    tokenizer.chat_template = "{% for m in messages %}<|user|> {{ m['content'] }} {% endfor %}"
    assert render_question(tokenizer, "what is one plus one") == "<|user|> what is one plus one <|end|>"
    tokenizer.chat_template = "{{ raise_exception('only conversations that end with the assistant') }}"
    with pytest.raises(ConfigError, match="the chat template cannot render a user message: only conversations"):
        render_question(tokenizer, "what is one plus one")


def test_sft_on_questions_learns_them_whole(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "questions.jsonl", [{"question": q, "answer": "#### 5"} for q in QUESTIONS * 4])
    spec = SFTSpec.build(model=tiny_model, data=data, output_dir=tmp_path / "qft", format="questions", epochs=4,
                         learning_rate=5e-3, batch_size=8, grad_accum=1, logging_steps=1, max_length=256,
                         gradient_checkpointing=False, warmup_ratio=0.0, lr_scheduler="linear")
    result = train_sft(spec)
    assert result.rows == 16 and result.steps == 8 and result.rows_dropped == 0
    assert result.last_loss < 0.7 * result.first_loss, [point.loss for point in result.losses]
    report = json.loads(result.report_path.read_text())
    assert report["format"] == "questions" and report["spec"]["format"] == "questions"


def test_a_file_without_questions_is_one_line(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", [{"question": "what is one plus one"}, {"question": None}])
    with pytest.raises(InputError, match=r"^\S+rows.jsonl: line 2: question: missing$"):
        load_question_data(data)
