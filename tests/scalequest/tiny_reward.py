"""A tiny Llama sequence-classification reward model (num_labels=1) on the tiny tokenizer of tests/train.

`planted` makes the model's ranking known: attention is made uniform (q and k projections zero), the
MLPs silent, v and o the identity, and the score head reads hidden dimension 0, which only the
planted words' embeddings carry (their value's sign). The last token's state is then a positive
mix of every token's dimension 0, so a response with a positive planted word scores above one
without, which scores exactly 0, above one with a negative word. Without `planted`: random weights.
"""

from __future__ import annotations

from pathlib import Path

from tests.train.tiny import build_tiny_model

QUESTION = "what is two plus two"


def build_tiny_reward_model(directory: Path, planted: dict[str, float] | None = None) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    build_tiny_model(directory)  # the word-level tokenizer with its chat template, and the config
    tokenizer = AutoTokenizer.from_pretrained(directory)
    config = LlamaConfig.from_pretrained(directory, num_labels=1)
    torch.manual_seed(1)
    model = LlamaForSequenceClassification(config)  # type: ignore[no-untyped-call]
    if planted is not None:
        with torch.no_grad():
            embeddings = model.model.embed_tokens.weight
            embeddings[:, 0] = 0.0
            for word, value in planted.items():
                token = tokenizer.convert_tokens_to_ids(word)
                assert token != tokenizer.unk_token_id, f"{word!r} is not in the tiny vocabulary"
                embeddings[token, 0] = value
            hidden = config.hidden_size
            for layer in model.model.layers:
                layer.self_attn.q_proj.weight.zero_()
                layer.self_attn.k_proj.weight.zero_()
                layer.self_attn.v_proj.weight.copy_(torch.eye(hidden))
                layer.self_attn.o_proj.weight.copy_(torch.eye(hidden))
                layer.mlp.down_proj.weight.zero_()
            model.score.weight.zero_()
            model.score.weight[0, 0] = 1.0
    model.save_pretrained(directory)
    return directory
