"""A tiny Llama and a word-level tokenizer built in-process (nothing from the hub), and SFT rows.

The rows teach one thing a 2-layer model can pick up in a few epochs: "what is A plus B" ->
"A plus B equals C", in words. The chat template marks assistant turns with {% generation %} so
trl can limit the loss to them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
SPECIAL = ["<unk>", "<pad>", "<s>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'assistant' %}<|assistant|> {% generation %}{{ m['content'] }} <|end|>{% endgeneration %} "
    "{% else %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endif %}"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|> {% endif %}"
)
SYSTEM = "you add numbers"
INIT_RANGE = 0.1


def addition_conversations(count: int, seed: int = 0) -> list[list[dict[str, str]]]:
    rng = random.Random(seed)
    conversations = []
    for _ in range(count):
        a, b = rng.randint(0, 5), rng.randint(0, 5)
        conversations.append([
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"what is {NUMBERS[a]} plus {NUMBERS[b]}"},
            {"role": "assistant", "content": f"{NUMBERS[a]} plus {NUMBERS[b]} equals {NUMBERS[a + b]}"},
        ])
    return conversations


def messages_rows(count: int, seed: int = 0) -> list[dict[str, Any]]:
    return [{"id": index, "messages": conversation}
            for index, conversation in enumerate(addition_conversations(count, seed))]


def prompt_completion_rows(count: int, seed: int = 0) -> list[dict[str, Any]]:
    return [{"prompt": conversation[:-1], "completion": conversation[-1:]}
            for conversation in addition_conversations(count, seed)]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def build_tiny_model(directory: Path) -> Path:
    """Save a randomly initialised 2-layer Llama and its tokenizer (with the chat template) to `directory`."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = [message["content"] for conversation in addition_conversations(200) for message in conversation]
    core = Tokenizer(models.WordLevel(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.train_from_iterator(words, trainers.WordLevelTrainer(special_tokens=SPECIAL))
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=core, unk_token="<unk>", pad_token="<pad>", bos_token="<s>", eos_token="<|end|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        # Larger than Llama's 0.02 so that a frozen random head still reaches peaked logits (LoRA tests).
        initializer_range=INIT_RANGE,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
