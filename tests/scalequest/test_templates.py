"""Pre-query templates: named ones are the authors' strings, derived ones are cut at the user's message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pysynth.errors import ConfigError
from pysynth.scalequest.templates import NAMED, named_template, template_from_model

# A ChatML template like Qwen2's: a default system turn when the chat has none.
CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# Gemma's: a bos token, no system role, "model" for the assistant.
GEMMA = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}{% set role = 'model' if message['role'] == 'assistant' else "
    "message['role'] %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"
)


def write_config(folder: Path, **config: object) -> Path:
    path = folder / "tokenizer_config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_the_qwen_and_deepseek_templates_are_the_authors_strings() -> None:
    qwen = named_template("qwen")
    assert qwen.text == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    assert qwen.stop == ("<|im_start|>", "<|im_end|>", "<|endoftext|>")
    deepseek = named_template("deepseek")
    assert deepseek.text == "<｜begin▁of▁sentence｜>User: "
    assert deepseek.stop[:2] == ("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>")


@pytest.mark.parametrize(("name", "header", "turn_end"), [
    ("qwen", "<|im_start|>user\n", "<|im_end|>"),
    ("deepseek", "User: ", "<｜end▁of▁sentence｜>"),
    ("llama3", "<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|>"),
    ("gemma", "<start_of_turn>user\n", "<end_of_turn>"),
])
def test_every_named_template_ends_with_its_user_header_and_stops_at_its_turn_end(
        name: str, header: str, turn_end: str) -> None:
    template = NAMED[name]
    assert template.text.endswith(header), f"{name}: {template.text!r} does not end with the user header"
    assert turn_end in template.stop, f"{name}: {turn_end!r} missing from {template.stop}"


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown template 'mistral' \\(known: qwen, deepseek, llama3, gemma\\)"):
        named_template("mistral")


def test_a_chatml_tokenizer_config_gives_the_authors_qwen_text_and_its_turn_end(tmp_path: Path) -> None:
    write_config(tmp_path, chat_template=CHATML, eos_token="<|endoftext|>")
    template = template_from_model(tmp_path)  # the model directory
    assert template.text == NAMED["qwen"].text
    assert template.stop == ("<|im_end|>", "<|endoftext|>")


def test_a_system_turn_is_rendered_before_the_user_header(tmp_path: Path) -> None:
    path = write_config(tmp_path, chat_template=CHATML, eos_token="<|im_end|>")
    template = template_from_model(path, system="Write one math question.")
    assert template.text == "<|im_start|>system\nWrite one math question.<|im_end|>\n<|im_start|>user\n"
    assert template.stop == ("<|im_end|>",)  # the turn end and eos are one string: sent once


def test_a_named_system_turn_is_what_the_model_template_renders_with_that_system(tmp_path: Path) -> None:
    system = "Each user message is one math word problem."
    rendered = template_from_model(write_config(tmp_path, chat_template=CHATML), system=system)
    qwen = NAMED["qwen"].with_system(system)
    assert qwen.text == rendered.text and qwen.stop == NAMED["qwen"].stop
    llama3 = NAMED["llama3"].with_system(system).text
    assert llama3.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + system + "<|eot_id|>")
    assert llama3.endswith(NAMED["llama3"].text.removeprefix("<|begin_of_text|>"))
    assert NAMED["deepseek"].with_system("{not a format}").text == "<｜begin▁of▁sentence｜>{not a format}\n\nUser: "


def test_a_system_prompt_for_gemma_names_the_way_out() -> None:
    with pytest.raises(ConfigError, match="template 'gemma' has no system role; give the model's tokenizer_config"):
        NAMED["gemma"].with_system("hi")


def test_a_gemma_tokenizer_config_renders_its_bos_token_given_as_an_added_token(tmp_path: Path) -> None:
    path = write_config(tmp_path, chat_template=GEMMA, bos_token={"content": "<bos>", "special": True},
                        eos_token={"content": "<eos>"})
    template = template_from_model(path)
    assert template.text == "<bos><start_of_turn>user\n"
    assert template.stop == ("<end_of_turn>", "<eos>")


def test_a_list_of_named_chat_templates_uses_the_default_one(tmp_path: Path) -> None:
    path = write_config(tmp_path, chat_template=[{"name": "tool_use", "template": "x"},
                                                 {"name": "default", "template": CHATML}])
    assert template_from_model(path).text == NAMED["qwen"].text


@pytest.mark.parametrize(("config", "message"), [
    ({"chat_template": "{% for m in messages %}{{ m['role'] }}{% endfor %}"}, "has no user turn"),
    ({"chat_template": "{% for m in messages %}{{ m['content'] }"}, "does not render"),
    ({"chat_template": "{{ raise_exception('no') }}"}, "does not render: no"),
    ({"eos_token": "</s>"}, "no chat_template"),
    ({"chat_template": "{{ messages[0]['content'] }}"}, "nothing before the user's message"),
])
def test_a_template_that_cannot_give_a_pre_query_is_one_line_naming_the_file(
        tmp_path: Path, config: dict[str, object], message: str) -> None:
    path = write_config(tmp_path, **config)
    with pytest.raises(ConfigError) as raised:
        template_from_model(path)
    text = str(raised.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text, text


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"^{tmp_path / 'tokenizer_config.json'}: no such file"):
        template_from_model(tmp_path)
    (tmp_path / "tokenizer_config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable JSON file"):
        template_from_model(tmp_path)


@pytest.mark.parametrize(("completion", "question"), [
    ("  What is 3 + 4?  ", "What is 3 + 4?"),
    ("What is 3 + 4?<|im_end|>\n<|im_start|>assistant\n7", "What is 3 + 4?"),
    ("Find x.\n<|im_start|>user\nMore<|im_end|>", "Find x."),  # the earliest stop string wins
    ("<|im_end|>What is 3 + 4?", ""),
    ("", ""),
])
def test_an_answer_is_cut_at_the_first_stop_string_the_server_did_not_honour(completion: str, question: str) -> None:
    assert NAMED["qwen"].cut(completion) == question
