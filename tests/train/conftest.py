from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.tiny import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with a word-level tokenizer and a chat template, saved once per session."""
    import torch

    # Two OpenMP threads on a busy 2-core machine spin against each other: one is 5-40x faster here.
    torch.set_num_threads(1)
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))
