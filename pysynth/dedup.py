"""MinHash near-duplicate detection, computed by the Rust extension.

`texts` may be a sequence of `str`, a polars Series, or any Arrow string array / stream (objects
with `__arrow_c_stream__` or `__arrow_c_array__`); Arrow strings are read in place, not copied
into Python objects. The GIL is released while signatures are computed, in parallel.

`dedup` answers with numpy arrays; `dedup_columns` with polars Series, for tables: it never imports
numpy (~0.2 s, a large part of `pysynth dedup`'s start-up). `dedup_parquet_file` reads, deduplicates
and writes a Parquet file inside the extension, importing neither (polars alone is ~0.3 s on 2 cores).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field, model_validator

from pysynth import _native
from pysynth.config import FrozenConfig
from pysynth.dedup_modes import DATASKETCH_WEIGHTS, MinHashScheme, ShingleUnit, Verification, default_lsh_weights
from pysynth.errors import ConfigError

if TYPE_CHECKING:  # the native extension returns the arrays; this module only names their types
    import numpy as np
    import numpy.typing as npt
    import polars as pl

__all__ = [
    "DedupColumns",
    "DedupConfig",
    "DedupFileResult",
    "DedupResult",
    "DedupStats",
    "MinHashConfig",
    "MinHashIndex",
    "MinHashScheme",
    "ShingleUnit",
    "Texts",
    "Verification",
    "dedup",
    "dedup_columns",
    "dedup_parquet_file",
    "lsh_params",
    "minhash_signatures",
    "shingles",
]


class ArrowStringColumn(Protocol):
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


Texts = Sequence[str] | ArrowStringColumn


class MinHashConfig(FrozenConfig):
    """How texts become MinHash signatures. Normalization: lowercase (Unicode, per character);
    every non-alphanumeric character separates words unless `strip_punctuation` is false; words
    joined by one space. Shingles are `ngram` words (or characters) of the normalized text; a text
    shorter than one n-gram is a single shingle, an empty one has none."""

    num_perm: int = Field(128, ge=1, le=16384)
    seed: int = Field(1, ge=0, lt=2**64)
    scheme: MinHashScheme = MinHashScheme.FAST
    ngram: int = Field(5, ge=1)
    unit: ShingleUnit = ShingleUnit.WORD
    lowercase: bool = True
    strip_punctuation: bool = True


class DedupConfig(MinHashConfig):
    """A MinHash configuration plus the LSH index over it."""

    threshold: float = Field(0.8, gt=0.0, lt=1.0)
    weights: tuple[float, float] | None = None
    """(false positive, false negative) weights for choosing bands and rows; default:
    `pysynth.dedup_modes.default_lsh_weights` of `verify`."""
    bands: int | None = Field(None, ge=1)
    rows: int | None = Field(None, ge=1)
    verify: Verification = Verification.EXACT

    @model_validator(mode="after")
    def _bands_and_rows_together(self) -> DedupConfig:
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        return self

    @property
    def lsh_weights(self) -> tuple[float, float]:
        return self.weights if self.weights is not None else default_lsh_weights(self.verify)

    @property
    def minhash(self) -> MinHashConfig:
        return MinHashConfig(**{name: getattr(self, name) for name in MinHashConfig.model_fields})


@dataclass(frozen=True)
class DedupStats:
    documents: int
    empty_documents: int
    candidate_pairs: int
    confirmed_pairs: int
    duplicates: int


@dataclass(frozen=True)
class DedupResult:
    cluster_ids: npt.NDArray[np.int64]
    """Per document, the index of its cluster's first document (itself if unique)."""
    keep: npt.NDArray[np.bool_]
    """True for the first document of each cluster, in input order."""
    bands: int
    rows: int
    stats: DedupStats


def minhash_signatures(texts: Texts, config: MinHashConfig | None = None, **options: Any) -> npt.NDArray[np.uint64]:
    """A `(len(texts), num_perm)` uint64 matrix of MinHash signatures."""
    return _native.minhash_signatures(texts, MinHashConfig.build(config, **options))


def shingles(text: str, config: MinHashConfig | None = None, **options: Any) -> list[bytes]:
    """The byte shingles of `text` that signatures are computed over (what datasketch would be fed)."""
    return _native.shingles(text, MinHashConfig.build(config, **options))


def lsh_params(threshold: float, num_perm: int = 128, weights: tuple[float, float] = DATASKETCH_WEIGHTS) -> tuple[int, int]:
    """(bands, rows) for `threshold`, chosen exactly as `datasketch.MinHashLSH` chooses them."""
    return _native.lsh_params(threshold, num_perm, weights)


def dedup(texts: Texts, config: DedupConfig | None = None, **options: Any) -> DedupResult:
    """Cluster near-duplicate texts and mark the first of each cluster to keep."""
    cluster_ids, keep, (bands, rows), stats = _native.dedup(texts, DedupConfig.build(config, **options))
    return DedupResult(cluster_ids, keep, bands, rows, DedupStats(**stats))


@dataclass(frozen=True)
class DedupColumns:
    """`DedupResult` with polars Series (read from the extension's Arrow arrays) for its arrays."""

    cluster_ids: pl.Series
    """Int64: per document, the index of its cluster's first document (itself if unique)."""
    keep: pl.Series
    """Boolean: true for the first document of each cluster, in input order."""
    bands: int
    rows: int
    stats: DedupStats


def dedup_columns(texts: Texts, config: DedupConfig | None = None, **options: Any) -> DedupColumns:
    """`dedup`, answering with polars Series: for adding to a table, without importing numpy."""
    import polars as pl

    cluster_ids, keep, (bands, rows), stats = _native.dedup_columns(texts, DedupConfig.build(config, **options))
    return DedupColumns(pl.Series(cluster_ids).alias("cluster_id"), pl.Series(keep).alias("keep"), bands, rows,
                        DedupStats(**stats))


@dataclass(frozen=True)
class DedupFileResult:
    kept: int
    """Rows written: the first row of each cluster."""
    bands: int
    rows: int
    stats: DedupStats


def dedup_parquet_file(input_path: str | os.PathLike[str], output: str | os.PathLike[str], column: str = "text",
                       config: DedupConfig | None = None, **options: Any) -> DedupFileResult:
    """The rows of a Parquet file that lead their cluster, in its own schema plus an int64 `cluster_id`,
    written to `output` (Parquet, zstd level 1) atomically. `InputError` naming the file for an
    unreadable table, a missing or non-text `column`, or an existing `cluster_id` column."""
    config = DedupConfig.build(config, **options)
    values = config.model_dump(exclude={"weights"}) | {"weights": config.lsh_weights}
    kept, (bands, rows), stats = _native.dedup_parquet_file(os.fspath(input_path), os.fspath(output), column, **values)
    return DedupFileResult(kept, bands, rows, DedupStats(**stats))


class MinHashIndex:
    """An incremental LSH index, e.g. over a benchmark, to find contaminated training texts."""

    def __init__(self, config: DedupConfig | None = None, **options: Any) -> None:
        self.config = DedupConfig.build(config, **options)
        self._index = _native.LshIndex(self.config)
        self._next_id = 0

    def insert(self, texts: Texts, ids: Sequence[int] | None = None) -> None:
        """Index `texts` under `ids` (default: consecutive integers continuing from the last insert)."""
        count = len(texts)  # type: ignore[arg-type]
        if ids is None:
            ids = range(self._next_id, self._next_id + count)
        elif any(i < 0 for i in ids):
            raise ConfigError("ids must be non-negative integers")
        self._index.insert(texts, list(ids))
        self._next_id = max(self._next_id, max(ids, default=-1) + 1)

    def query(self, texts: Texts) -> list[list[int]]:
        """For each text, the sorted ids of indexed texts it near-duplicates (empty if none)."""
        return self._index.query(texts)

    @property
    def params(self) -> tuple[int, int]:
        return self._index.params

    def __len__(self) -> int:
        return len(self._index)
