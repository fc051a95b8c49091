"""pysynth.quest.concept_graph: the QueST edge-weight formula, step frequencies, reproducibility, unique sets,
save/load, errors."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pysynth import ConceptGraph, ConfigError, InputError
from tests.gil import share_of_free_rate

SEEDS = [["dp", "graph", "tree"], ["graph", "dp"], ["tree", "graph", "graph"], ["math"], ["dp", "math"]]
LABELS = [3.0, 5.0, None, 1.0, None]


def random_graph(rng: random.Random, nodes: int = 60, seeds: int = 300) -> ConceptGraph:
    concepts = [f"c{i:02d}" for i in range(nodes)]
    drawn = [rng.sample(concepts, rng.randint(1, 5)) for _ in range(seeds)]
    labels = [rng.choice([None, 1.0, 2.0, 3.0, 4.0, 5.0]) for _ in range(seeds)]
    return ConceptGraph.from_seeds(drawn, labels)


def edge_rows(graph: ConceptGraph) -> dict[tuple[str, str], tuple[int, float, float]]:
    rows = graph.edges().iter_rows(named=True)
    return {(r["source"], r["target"]): (r["freq"], r["diff"], r["weight"]) for r in rows}


@pytest.mark.parametrize(("alpha", "eps"), [(0.5, 1e-6), (0.0, 1e-6), (1.0, 0.25), (0.3, 2.0)])
def test_edge_weights_follow_the_formula(alpha: float, eps: float) -> None:
    graph = ConceptGraph.from_seeds(SEEDS, LABELS, alpha=alpha, eps=eps)
    mean_label = (3.0 + 5.0 + 1.0) / 3  # for pairs whose seeds have no label: (graph, tree) has seeds 0 and 2
    by_hand = {  # pair: (freq, diff); seed 2 lists "graph" twice, which counts once
        ("dp", "graph"): (2, (3.0 + 5.0) / 2),
        ("dp", "tree"): (1, 3.0),
        ("graph", "tree"): (2, 3.0),
        ("dp", "math"): (1, mean_label),
    }
    rows = edge_rows(graph)
    assert set(rows) == set(by_hand), "one edge per co-occurring pair, source < target"
    for pair, (freq, diff) in by_hand.items():
        weight = math.log(alpha * freq + (1 - alpha) * diff + eps)
        assert rows[pair][0] == freq and rows[pair][1] == pytest.approx(diff), pair
        assert rows[pair][2] == pytest.approx(weight, rel=1e-12), f"{pair}: alpha {alpha}, eps {eps}"
    assert graph.nodes == ("dp", "graph", "math", "tree")


def test_unlabelled_pairs_use_the_default_difficulty() -> None:
    graph = ConceptGraph.from_seeds(SEEDS, LABELS, default_difficulty=2.5)
    assert edge_rows(graph)[("dp", "math")][1] == 2.5
    with pytest.raises(ConfigError, match="no seed has a difficulty label"):
        ConceptGraph.from_seeds([["a", "b"]])
    unlabelled = ConceptGraph.from_seeds([["a", "b"], ["a", "b"]], alpha=1.0, default_difficulty=0.0)
    freq, diff, weight = edge_rows(unlabelled)[("a", "b")]
    assert (freq, diff) == (2, 0.0) and weight == pytest.approx(math.log(2 + 1e-6))


def test_transition_probabilities_are_the_softmax_of_the_weights(rng: random.Random) -> None:
    graph = random_graph(rng)
    edges = graph.edges().filter((pl.col("source") == "c07") | (pl.col("target") == "c07"))
    weights = {r["target"] if r["source"] == "c07" else r["source"]: r["weight"] for r in edges.iter_rows(named=True)}
    total = sum(math.exp(w) for w in weights.values())
    probabilities = graph.transition_probabilities("c07")
    assert probabilities == pytest.approx({v: math.exp(w) / total for v, w in weights.items()}, rel=1e-12)


def test_one_step_frequencies_pass_a_chi_square_test(rng: random.Random) -> None:
    graph = random_graph(rng)
    node = max(graph.nodes, key=lambda n: len(graph.transition_probabilities(n)))
    probabilities = graph.transition_probabilities(node)
    draws = 200_000
    walks = graph.sample_walks_arrays(draws, start_nodes=[node], max_steps=1, seed=11, unique=False)
    node_id = graph.nodes.index(node)
    steps = walks.node_ids.reshape(draws, 2)  # each set is {node, neighbour}, sorted
    neighbours = np.where(steps[:, 0] == node_id, steps[:, 1], steps[:, 0])
    counts = np.bincount(neighbours, minlength=len(graph.nodes))
    observed = np.array([counts[graph.nodes.index(v)] for v in probabilities])
    expected = draws * np.array(list(probabilities.values()))
    assert observed.sum() == draws, "every one-step walk moved to a neighbour"
    chi_square = float(((observed - expected) ** 2 / expected).sum())
    dof = len(probabilities) - 1
    # Wilson-Hilferty: the chi-square quantile at p = 1e-4 (z = 3.719) for `dof` degrees of freedom.
    critical = dof * (1 - 2 / (9 * dof) + 3.719 * math.sqrt(2 / (9 * dof))) ** 3
    assert chi_square < critical, f"chi-square {chi_square:.1f} >= {critical:.1f} over {dof + 1} neighbours of {node}"


def test_walks_are_reproducible_sorted_and_start_at_a_topic(rng: random.Random) -> None:
    graph = random_graph(rng)
    topics = ["c01", "c02", "c03"]
    first = graph.sample_walks(500, start_nodes=topics, seed=7, unique=False)
    assert first == graph.sample_walks(500, start_nodes=topics[::-1], seed=7, unique=False)
    assert first != graph.sample_walks(500, start_nodes=topics, seed=8, unique=False)
    for walk in first:
        assert walk == sorted(set(walk)) and 1 <= len(walk) <= 7, walk
        assert set(walk) & set(topics), f"{walk} contains no start node"
    assert all(len(w) <= 3 for w in graph.sample_walks(100, max_steps=2, seed=1, unique=False))


def test_unique_sets_are_distinct_or_report_exhaustion(rng: random.Random) -> None:
    graph = random_graph(rng)
    walks = graph.sample_walks(1000, seed=3)
    assert len(walks) == 1000 and len({tuple(w) for w in walks}) == 1000
    arrays = graph.sample_walks_arrays(1000, seed=3)
    assert arrays.attempts >= 1000 and len(arrays) == 1000
    assert walks[0] == graph.sample_walks(1, seed=3, unique=False)[0], "the first walk is always kept"
    tiny = ConceptGraph.from_seeds([["a", "b"]], [1.0])
    few = tiny.sample_walks_arrays(10, max_steps=3, max_attempts=500)
    assert (len(few), few.attempts) == (1, 500), "only {a, b} exists, so the attempts run out"
    assert len(tiny.sample_walks(10, unique=False)) == 10


def test_save_and_load_round_trip(tmp_path: Path, rng: random.Random) -> None:
    graph = ConceptGraph.from_seeds([*SEEDS, ["lonely topic"]], [*LABELS, 4.0])
    path = graph.save(tmp_path / "graph.parquet")
    loaded = ConceptGraph.load(path)
    assert loaded.nodes == graph.nodes and "lonely topic" in loaded.nodes
    assert loaded.edges().equals(graph.edges())
    assert loaded.sample_walks(50, seed=5, unique=False) == graph.sample_walks(50, seed=5, unique=False)
    assert loaded.sample_walks(3, start_nodes=["lonely topic"], unique=False) == [["lonely topic"]] * 3
    bare = ConceptGraph.from_edges([("x", "y", 0.5), ("z", "y", -1.0)], nodes=["w"])
    again = ConceptGraph.load(bare.save(tmp_path / "bare.parquet"))
    assert again.edges().equals(bare.edges()) and again.nodes == ("w", "x", "y", "z")
    assert again.edges()["freq"].null_count() == 2


def test_bad_parameters_and_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alpha must lie in \[0, 1\], got 1.5"):
        ConceptGraph.from_seeds(SEEDS, LABELS, alpha=1.5)
    for eps in (0.0, -1.0, math.inf):
        with pytest.raises(ConfigError, match="eps must be a finite number > 0"):
            ConceptGraph.from_seeds(SEEDS, LABELS, eps=eps)
    with pytest.raises(InputError, match="seed 1: difficulty label -2"):
        ConceptGraph.from_seeds([["a"], ["a", "b"]], [1.0, -2.0])
    with pytest.raises(InputError, match="not a str"):
        ConceptGraph.from_seeds(["dp", "graph"])
    with pytest.raises(InputError, match="2 difficulty labels were given for 1 seeds"):
        ConceptGraph.from_seeds([["a"]], [1.0, 2.0])
    graph = ConceptGraph.from_seeds(SEEDS, LABELS)
    with pytest.raises(ConfigError, match='unknown concept "nope"'):
        graph.sample_walks(3, start_nodes=["dp", "nope"])
    with pytest.raises(ConfigError, match='unknown concept "nope"'):
        graph.transition_probabilities("nope")
    with pytest.raises(ConfigError, match="no start nodes"):
        graph.sample_walks(3, start_nodes=[])
    with pytest.raises(ConfigError, match="n must lie in"):
        graph.sample_walks(-1)
    with pytest.raises(ConfigError, match="max_steps must be at most 1024"):
        graph.sample_walks(1, max_steps=5000)
    with pytest.raises(InputError, match=r'join the same pair \("a" - "b"\)'):
        ConceptGraph.from_edges([("a", "b", 0.0), ("b", "a", 1.0)])
    with pytest.raises(InputError, match="joined to itself"):
        ConceptGraph.from_edges([("a", "a", 0.0)])
    pl.DataFrame({"source": ["a"]}).write_parquet(tmp_path / "other.parquet")
    with pytest.raises(InputError, match="not a saved concept graph"):
        ConceptGraph.load(tmp_path / "other.parquet")


def test_sampling_releases_the_gil() -> None:
    graph = ConceptGraph.from_edges([(f"n{i}", f"n{(i + 1) % 500}", float(i % 4)) for i in range(500)])
    share = share_of_free_rate(lambda: [graph.sample_walks_arrays(1_000_000, unique=False) for _ in range(3)])
    assert share > 0.1, f"a Python thread ran at {share:.0%} of its rate while walks were sampled"
