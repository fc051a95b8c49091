"""Few-shot examples for a sampled concept set, and the QueST generation prompt.

The examples are the seeds whose concept sets are closest to the sampled one by Jaccard
similarity, so the generator sees how problems on these concepts are usually written. Ties are
broken by seed id and then by position, so one concept set always yields one prompt."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

from pysynth.errors import ConfigError
from pysynth.quest.concepts import normalize_concept

GENERATION_PROMPT = """You write new, original competitive-programming problems.

Write ONE new problem whose solution needs all of these concepts:
{concepts}

Here are existing problems on related concepts, to show the expected style and level of detail. \
Do not copy or lightly rephrase them.

{examples}

Now write the new problem. Make it difficult: the concepts must combine in a non-obvious way and a \
naive solution must be too slow for the constraints. Give, in this order:
1. The statement (a short story is fine; every rule must be unambiguous).
2. Input format.
3. Output format (exactly one correct output per input).
4. Constraints (explicit bounds on every input value).
5. One small example with its input and output.
Write only the problem: no solution, hints or commentary."""

EXAMPLE_TEMPLATE = "### Example problem {number}\n{statement}"


@dataclass(frozen=True)
class ConceptSeed:
    id: str
    statement: str
    concepts: frozenset[str]
    """Normalized with `normalize_concept`, as `ConceptExtraction.concepts` gives them."""


@dataclass(frozen=True)
class FewShotChoice:
    seed: ConceptSeed
    similarity: float


def jaccard(first: Set[str], second: Set[str]) -> float:
    """|A & B| / |A | B|; 0.0 for two empty sets (nothing shared, nothing to compare)."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def choose_few_shot(seeds: Sequence[ConceptSeed], concepts: Set[str], k: int) -> list[FewShotChoice]:
    """The `k` seeds most similar to `concepts` (all of them when there are fewer), most similar
    first; equal similarities are ordered by seed id, then by position in `seeds`."""
    if k < 1:
        raise ConfigError(f"k: the number of few-shot examples must be at least 1 (got {k})")
    wanted = frozenset(filter(None, (normalize_concept(name) for name in concepts)))
    scored = sorted(
        ((jaccard(seed.concepts, wanted), seed.id, position) for position, seed in enumerate(seeds)),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    return [FewShotChoice(seeds[position], similarity) for similarity, _, position in scored[:k]]


def render_generation_prompt(concepts: Sequence[str], examples: Sequence[ConceptSeed]) -> str:
    """The generation prompt: `concepts` in the order given (the random walk's order), then the
    examples' statements."""
    if not concepts:
        raise ConfigError("concepts: a generation prompt needs at least one concept")
    listed = "\n".join(f"- {name}" for name in concepts)
    shown = "\n\n".join(
        EXAMPLE_TEMPLATE.format(number=number, statement=seed.statement.strip())
        for number, seed in enumerate(examples, start=1)
    )
    return GENERATION_PROMPT.format(concepts=listed, examples=shown or "(no examples available)")
