"""The concept graph of QueST (Hu et al. 2025) and its random-walk sampler, computed by the Rust extension.

Nodes are concepts; two concepts are joined when some seed problem uses both, with log weight

    w(u, v) = ln(alpha * freq(u, v) + (1 - alpha) * diff(u, v) + eps)

`freq` counts the seeds containing both concepts; `diff` is the mean difficulty label of those
seeds, leaving out unlabelled ones. A pair none of whose seeds has a label gets
`default_difficulty`, by default the mean label over all labelled seeds (with no labels at all,
pass it). Labels must be >= 0 (QueST uses 1 to 5): with alpha in [0, 1] and eps > 0 that keeps the
log argument positive.

A walk starts at a start node drawn uniformly and takes up to `max_steps` steps, moving from u to v
with probability exp(w(u, v)) / sum of exp(w(u, v')) over u's neighbours v' (O(1) per step, from
per-node alias tables). It may step back onto a node it visited; its concept set is the distinct
nodes visited, 1 to max_steps + 1 concepts, sorted by name. It stops early only at a node without
neighbours. Walk i draws from its own generator seeded by (seed, i), so a seed gives the same sets
however many threads sample them. Node ids follow the sorted names, so a graph rebuilt from the
same edges (`load` of `save`) samples the same walks too.

`save` writes one table (Parquet, or JSONL by suffix), one row per undirected edge with source <
target: `source`, `target` (str), `freq` (uint32), `diff`, `weight` (float64); `freq` and `diff`
are null for a graph built from bare weights. A concept without edges is a row with only `source`
set, so isolated topics survive the round trip.
"""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np
import numpy.typing as npt
import polars as pl

from pysynth import _native
from pysynth.errors import ConfigError, InputError
from pysynth.tables import read_table, write_table

EDGE_SCHEMA = {"source": pl.String, "target": pl.String, "freq": pl.UInt32, "diff": pl.Float64, "weight": pl.Float64}


@dataclass(frozen=True)
class WalkArrays:
    """Concept sets, flat: set i is `node_ids[offsets[i]:offsets[i + 1]]`, ids indexing `ConceptGraph.nodes`."""

    offsets: npt.NDArray[np.uint64]
    node_ids: npt.NDArray[np.uint32]
    attempts: int
    """Walks drawn; more than the sets returned when `unique` dropped repeats."""

    def __len__(self) -> int:
        return len(self.offsets) - 1


class WalkOptions(TypedDict, total=False):
    """The options of `ConceptGraph.sample_walks_arrays`, which `sample_walks` takes too."""

    start_nodes: Sequence[str] | None
    max_steps: int
    seed: int
    unique: bool
    max_attempts: int | None


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if not low <= value < high:
        raise ConfigError(f"{name} must lie in [{low}, {high}), got {value}")


def _edge_stats(table: pl.DataFrame) -> tuple[list[int] | None, list[float] | None]:
    if "freq" not in table.columns or "diff" not in table.columns:
        return None, None
    freq, diff = table["freq"], table["diff"]
    if freq.null_count() == diff.null_count() == len(table):
        return None, None
    if freq.has_nulls() or diff.has_nulls():
        raise InputError("give freq and diff for every edge, or for none")
    return freq.cast(pl.UInt32).to_list(), diff.cast(pl.Float64).to_list()


class ConceptGraph:
    """An undirected concept graph; build it with `from_seeds`, `from_edges` or `load`."""

    def __init__(self, native: _native.ConceptGraph) -> None:
        self._native = native
        self.nodes: tuple[str, ...] = tuple(native.nodes)
        """Concept names, sorted; a node's id is its index here."""
        self._names = np.array(self.nodes, dtype=object)

    @classmethod
    def from_seeds(
        cls,
        seeds: Sequence[Sequence[str]],
        difficulties: Sequence[float | None] | None = None,
        *,
        alpha: float = 0.5,
        eps: float = 1e-6,
        default_difficulty: float | None = None,
    ) -> ConceptGraph:
        """The co-occurrence graph of seed problems, each given as its concepts, with one optional
        difficulty label per seed (`None`: no labels)."""
        if any(isinstance(seed, str) for seed in seeds):
            raise InputError("each seed is a list of concept names, not a str")
        labels: list[float | None] = [None] * len(seeds) if difficulties is None else list(difficulties)
        seed_lists = [list(seed) for seed in seeds]
        return cls(_native.ConceptGraph.from_seeds(seed_lists, labels, alpha, eps, default_difficulty))

    @classmethod
    def from_edges(
        cls, edges: pl.DataFrame | Iterable[tuple[str, str, float]], *, nodes: Iterable[str] = ()
    ) -> ConceptGraph:
        """A graph from (source, target, weight) triples, or a table with those columns and optionally
        `freq` and `diff`; each undirected edge once, in either direction. `nodes` adds concepts
        (e.g. ones without edges)."""
        if isinstance(edges, pl.DataFrame):
            table = edges
        else:
            table = pl.DataFrame(list(edges), schema=["source", "target", "weight"], orient="row")
        if missing := {"source", "target", "weight"} - set(table.columns):
            raise InputError(f"the edge table lacks the columns {sorted(missing)}")
        for column in ("source", "target", "weight"):
            if table[column].has_nulls():
                raise InputError(f"the edge table has nulls in column {column!r}")
        try:
            freq, diff = _edge_stats(table)
            sources, targets = table["source"].cast(pl.String), table["target"].cast(pl.String)
            weights = table["weight"].cast(pl.Float64).to_list()
        except pl.exceptions.PolarsError as error:
            raise InputError(f"the edge table has a column of the wrong type: {error}") from None
        extra = pl.Series(list(nodes), dtype=pl.String)
        return cls(_native.ConceptGraph.from_edges(sources, targets, weights, freq, diff, extra))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ConceptGraph:
        """A graph written by `save`."""
        table = read_table(path)
        if missing := {"source", "target", "weight"} - set(table.columns):
            raise InputError(f"{path}: not a saved concept graph, it lacks the columns {sorted(missing)}")
        isolated = table.filter(pl.col("target").is_null())["source"]
        return cls.from_edges(table.filter(pl.col("target").is_not_null()), nodes=isolated.to_list())

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the edge list (and the concepts without edges) atomically; see the module docs."""
        edges = self.edges()
        linked = set(edges["source"].to_list()) | set(edges["target"].to_list())
        isolated = pl.DataFrame({"source": [n for n in self.nodes if n not in linked]}, schema={"source": pl.String})
        return write_table(pl.concat([edges, isolated], how="diagonal"), path)

    def edges(self) -> pl.DataFrame:
        """Each undirected edge once, source < target: source, target, freq, diff, weight."""
        sources, targets, weights, freq, diff = self._native.edges()
        names = pl.Series(self.nodes, dtype=pl.String)
        nulls = [None] * len(weights)
        columns = [names.gather(sources), names.gather(targets), nulls if freq is None else freq,
                   nulls if diff is None else diff, weights]
        return pl.DataFrame(dict(zip(EDGE_SCHEMA, columns)), schema=EDGE_SCHEMA)

    def transition_probabilities(self, node: str) -> dict[str, float]:
        """One step's distribution out of `node`: neighbour -> exp(w) / sum of exp(w)."""
        return dict(self._native.transition_probabilities(node))

    def sample_walks_arrays(
        self,
        n: int,
        *,
        start_nodes: Sequence[str] | None = None,
        max_steps: int = 6,
        seed: int = 0,
        unique: bool = True,
        max_attempts: int | None = None,
    ) -> WalkArrays:
        """`n` concept sets from walks starting uniformly among `start_nodes` (default: every node),
        taking up to `max_steps` steps, as flat arrays (no Python object per walk). With `unique`,
        repeated sets are dropped (the first is kept) and walks are drawn until `n` distinct sets
        are found or `max_attempts` (default 20 * n) walks were drawn."""
        _check_int("n", n, 0, 2**63)
        _check_int("max_steps", max_steps, 0, 2**32)
        _check_int("seed", seed, 0, 2**64)
        if max_attempts is not None:
            _check_int("max_attempts", max_attempts, 0, 2**63)
        starts = None if start_nodes is None else list(start_nodes)
        offsets, node_ids, attempts = self._native.sample_walks(n, starts, max_steps, seed, unique, max_attempts)
        return WalkArrays(offsets, node_ids, attempts)

    def sample_walks(self, n: int, **options: Unpack[WalkOptions]) -> list[list[str]]:
        """`n` concept sets, each a sorted list of concept names; the options are those of
        `sample_walks_arrays`. With `unique` (the default), fewer than `n` come back when
        `max_attempts` walks gave fewer distinct sets."""
        walks = self.sample_walks_arrays(n, **options)
        names: list[str] = self._names[walks.node_ids].tolist()
        bounds = walks.offsets.tolist()
        # Many new lists set off CPython's cyclic GC again and again, each pass visiting every list
        # made so far, though lists of str cannot form cycles: pausing it makes this ~3x faster.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return [names[start:end] for start, end in itertools.pairwise(bounds)]
        finally:
            if was_enabled:
                gc.enable()
