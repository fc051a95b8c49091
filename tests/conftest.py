from __future__ import annotations

import random

import pytest

from tests.support.fixtures import openai_server, openai_server_module  # noqa: F401

WORDS = (
    "array graph tree query update modulo prime sum path edge vertex string prefix suffix window "
    "binary search greedy dynamic program segment interval sort count minimum maximum distance "
    "matrix grid cell move cost weight node root leaf depth color pair subset bit mask value"
).split()


def random_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261122)
