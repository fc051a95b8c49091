"""The choices of `pysynth.dedup`'s options: hashing scheme, shingle unit, how pairs are confirmed.

Apart from `pysynth.dedup` and stdlib-only, so the command line can offer them (`pysynth --help`,
`pysynth dedup --scheme`) without importing pydantic, numpy or the native extension."""

from __future__ import annotations

from enum import StrEnum


class MinHashScheme(StrEnum):
    FAST = "fast"
    """64-bit xxh3 shingle hashes and 64-bit affine permutations; the quickest."""
    DATASKETCH = "datasketch"
    """Bit-identical to `datasketch.MinHash(num_perm, seed)` (>= 2.0, scheme "affine32")."""
    DATASKETCH_LEGACY = "datasketch-legacy"
    """Bit-identical to datasketch's `scheme="legacy"` (the only scheme before 2.0)."""


class ShingleUnit(StrEnum):
    WORD = "word"
    CHAR = "char"


class Verification(StrEnum):
    NONE = "none"
    """Every pair sharing an LSH bucket is a duplicate, as in datasketch's MinHashLSH."""
    ESTIMATED = "estimated"
    """Confirm pairs whose signatures agree in >= threshold of positions."""
    EXACT = "exact"
    """Confirm pairs whose shingle sets have Jaccard >= threshold (64-bit shingle hashes)."""


DATASKETCH_WEIGHTS = (0.5, 0.5)
RECALL_WEIGHTS = (0.05, 0.95)


def default_lsh_weights(verify: Verification) -> tuple[float, float]:
    """(false positive, false negative) weights for choosing bands and rows: datasketch's without
    verification; with it, verification removes the extra false positives, so only the missed
    duplicates are worth weighing (recall 0.79 -> 0.99 at threshold 0.8 on benchmarks/bench_dedup.py,
    at the same speed)."""
    return DATASKETCH_WEIGHTS if verify == Verification.NONE else RECALL_WEIGHTS
