"""pysynth.quest.fewshot: Jaccard-nearest seeds with a deterministic order, and the prompt."""

from __future__ import annotations

import pytest

from pysynth.errors import ConfigError
from pysynth.quest.fewshot import ConceptSeed, choose_few_shot, jaccard, render_generation_prompt


def seed(seed_id: str, *concepts: str) -> ConceptSeed:
    return ConceptSeed(seed_id, f"Statement of {seed_id}.", frozenset(concepts))


SEEDS = [
    seed("c", "graph", "shortest path", "dynamic programming"),
    seed("b", "graph", "shortest path"),
    seed("a", "graph", "shortest path"),
    seed("d", "string", "hashing"),
    seed("e", "graph", "breadth first search"),
]


def test_jaccard() -> None:
    assert jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert jaccard({"a"}, {"a"}) == 1.0
    assert jaccard(set(), set()) == 0.0


def test_most_similar_first_with_ties_ordered_by_id() -> None:
    chosen = choose_few_shot(SEEDS, {"Graphs", "Shortest Paths"}, k=4)
    assert [(c.seed.id, c.similarity) for c in chosen] == [
        ("a", 1.0), ("b", 1.0), ("c", pytest.approx(2 / 3)), ("e", pytest.approx(1 / 3)),
    ]


def test_the_choice_does_not_depend_on_the_seed_order() -> None:
    concepts = {"graph", "hashing"}
    forward = [c.seed.id for c in choose_few_shot(SEEDS, concepts, k=3)]
    backward = [c.seed.id for c in choose_few_shot(SEEDS[::-1], concepts, k=3)]
    assert forward == backward == ["a", "b", "d"]  # a, b, d and e tie at 1/3


def test_k_larger_than_the_seed_set_returns_all_and_k_below_one_is_an_error() -> None:
    assert len(choose_few_shot(SEEDS, {"graph"}, k=50)) == len(SEEDS)
    assert choose_few_shot([], {"graph"}, k=2) == []
    with pytest.raises(ConfigError, match="at least 1"):
        choose_few_shot(SEEDS, {"graph"}, k=0)


def test_prompt_lists_concepts_in_walk_order_then_examples() -> None:
    prompt = render_generation_prompt(["shortest path", "bitmask"], [SEEDS[2], SEEDS[1]])
    assert "- shortest path\n- bitmask\n" in prompt
    assert "### Example problem 1\nStatement of a.\n\n### Example problem 2\nStatement of b." in prompt
    assert prompt.index("- bitmask") < prompt.index("Example problem 1") < prompt.index("Write only the problem")
    assert "ONE new problem" in prompt and "Constraints" in prompt
    assert "(no examples available)" in render_generation_prompt(["greedy"], [])
    with pytest.raises(ConfigError, match="at least one concept"):
        render_generation_prompt([], [SEEDS[0]])
