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
