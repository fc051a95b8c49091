"""Benchmark pysynth's concept-graph random walks against a vectorised numpy alias sampler and networkx.

Graph: `--nodes` (10,000) concepts and `--edges` (200,000) distinct undirected edges drawn uniformly
(seeded), weighted as QueST weighs them, w = ln(0.5 * freq + 0.5 * diff + 1e-6) with freq ~
Geometric(0.5) and diff uniform in [1, 5]. It is written once to `benchmarks/.data/` as the Parquet
edge list `ConceptGraph.save` writes; every contender reads that file.

Workload, the same for all: walks start at a node drawn uniformly among all nodes and take 6 steps,
moving u -> v with probability exp(w(u, v)) / sum_v' exp(w(u, v')); each yields its concept set
(the distinct nodes visited). walks/s = walks / median time over `--repeat` runs of `--walks`
walks; setup (loading the graph, building alias tables) is timed apart. Every contender runs in
its own process, one after another.

Contenders:
- pysynth: `ConceptGraph.sample_walks_arrays(unique=False)`, the sets as flat (offsets, ids) numpy
  arrays, on every core and on one (RAYON_NUM_THREADS=1); also with `unique=True` (repeated sets
  dropped) and `sample_walks` (a Python list of name lists: the conversion cost).
- numpy: per-node alias tables flattened into CSR arrays; all walks advance in lockstep, one
  vectorised draw per step; the sets come from a row sort, in the same (offsets, ids) form. One core.
  Reported twice: paths only, and paths plus sets (the same output as pysynth).
- networkx: a plain Python walker over an `nx.Graph`, `random.choices` over each node's neighbours
  weighted by exp(w). It runs only `--nx-walks` walks (it is ~1000x slower); walks/s is per walk.
Timings taken while other processes use the CPU are not comparable; the CPU time they used is
printed. The mean set size is a sanity check: all contenders sample the same process, so it should agree.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from bench_dedup import machine_busy_s  # this script's folder is first on sys.path

DATA_DIR = Path(__file__).resolve().parent / ".data"
MAX_STEPS = 6
CONTENDERS = ["pysynth", "pysynth-1-thread", "pysynth-unique", "pysynth-lists", "numpy", "networkx"]
Ints = npt.NDArray[np.int64]
Variant = tuple[Callable[[int], Any], Callable[[Any], float], int]  # sample(seed), mean set size, walks


def build_edges(nodes: int, edges: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    keys = np.empty(0, np.int64)
    while len(keys) < edges:
        u, v = rng.integers(0, nodes, (2, edges))
        fresh = np.minimum(u, v) * nodes + np.maximum(u, v)
        keys = np.unique(np.concatenate([keys, fresh[u != v]]))
    keys = rng.choice(keys, edges, replace=False)
    freq, diff = rng.geometric(0.5, edges), rng.uniform(1.0, 5.0, edges)
    names = np.array([f"concept{i:05d}" for i in range(nodes)])
    return pl.DataFrame({"source": names[keys // nodes], "target": names[keys % nodes], "freq": freq.astype(np.uint32),
                         "diff": diff, "weight": np.log(0.5 * freq + 0.5 * diff + 1e-6)})


def graph_path(nodes: int, edges: int, seed: int) -> Path:
    from pysynth import ConceptGraph

    path = DATA_DIR / f"graph-v1-n{nodes}-e{edges}-s{seed}.parquet"
    if not path.exists():
        ConceptGraph.from_edges(build_edges(nodes, edges, seed)).save(path)
    return path


def edge_arrays(path: Path) -> tuple[int, Ints, Ints, npt.NDArray[np.float64]]:
    """(node count, source ids, target ids, weights), ids in the names' sorted order as pysynth numbers them."""
    table = pl.read_parquet(path).filter(pl.col("target").is_not_null())
    names = pl.concat([table["source"], table["target"]]).unique().sort()
    ids = {name: i for i, name in enumerate(names.to_list())}
    source = np.array([ids[n] for n in table["source"].to_list()], np.int64)
    target = np.array([ids[n] for n in table["target"].to_list()], np.int64)
    return len(names), source, target, table["weight"].to_numpy()


# ---------------------------------------------------------------- contenders (child process)
def pysynth_runner(key: str, path: Path, walks: int) -> tuple[Callable[[int], Any], Callable[[Any], float]]:
    from pysynth import ConceptGraph

    graph = ConceptGraph.load(path)
    if key == "pysynth-lists":
        return (lambda seed: graph.sample_walks(walks, seed=seed, unique=False),
                lambda sets: statistics.fmean(map(len, sets)))
    unique = key == "pysynth-unique"
    return (lambda seed: graph.sample_walks_arrays(walks, seed=seed, unique=unique),
            lambda arrays: len(arrays.node_ids) / len(arrays))


def numpy_alias_tables(nodes: int, source: Ints, target: Ints, weight: npt.NDArray[np.float64]) -> tuple[Ints, ...]:
    """CSR adjacency with one Vose alias table per node: (offsets, degree, keep probability, node, alias)."""
    src, dst, logs = np.concatenate([source, target]), np.concatenate([target, source]), np.concatenate([weight] * 2)
    order = np.lexsort((dst, src))
    src, dst, logs = src[order], dst[order], logs[order]
    degree = np.bincount(src, minlength=nodes)
    offsets = np.zeros(nodes + 1, np.int64)
    np.cumsum(degree, out=offsets[1:])
    mass = np.exp(logs)
    scaled = (mass * degree[src] / np.bincount(src, weights=mass, minlength=nodes)[src]).tolist()
    keep, alias = [1.0] * len(dst), dst.tolist()
    for node in range(nodes):
        base = int(offsets[node])
        small = [i for i in range(base, int(offsets[node + 1])) if scaled[i] < 1.0]
        large = [i for i in range(base, int(offsets[node + 1])) if scaled[i] >= 1.0]
        while small and large:
            light, heavy = small.pop(), large[-1]
            keep[light], alias[light] = scaled[light], alias[heavy]
            scaled[heavy] -= 1.0 - scaled[light]
            if scaled[heavy] < 1.0:
                small.append(large.pop())
    return offsets, degree, np.array(keep), dst, np.array(alias, np.int64)


def numpy_walks(tables: tuple[Ints, ...], nodes: int, walks: int, seed: int, sets: bool) -> tuple[Ints, Ints]:
    offsets, degree, keep, dst, alias = tables
    rng = np.random.default_rng(seed)
    path = np.empty((walks, MAX_STEPS + 1), np.int64)
    current = path[:, 0] = rng.integers(0, nodes, walks)
    for step in range(1, MAX_STEPS + 1):
        deg = degree[current]
        slot = np.minimum(offsets[current] + (rng.random(walks) * deg).astype(np.int64), len(dst) - 1)
        moved = np.where(rng.random(walks) < keep[slot], dst[slot], alias[slot])
        current = path[:, step] = np.where(deg > 0, moved, current)
    if not sets:
        return np.arange(0, path.size + 1, MAX_STEPS + 1), path.ravel()
    path.sort(axis=1)
    distinct = np.ones(path.shape, bool)
    distinct[:, 1:] = path[:, 1:] != path[:, :-1]
    bounds = np.zeros(walks + 1, np.int64)
    np.cumsum(distinct.sum(axis=1), out=bounds[1:])
    return bounds, path[distinct]


def networkx_walker(
    nodes: int, source: Ints, target: Ints, weight: npt.NDArray[np.float64]
) -> Callable[[int, int], list[list[int]]]:
    import networkx as nx  # type: ignore[import-untyped]

    graph = nx.Graph()
    graph.add_nodes_from(range(nodes))
    graph.add_weighted_edges_from(zip(source.tolist(), target.tolist(), weight.tolist()))

    def walks(count: int, seed: int) -> list[list[int]]:
        rng, out = random.Random(seed), []
        for _ in range(count):
            node = rng.randrange(nodes)
            visited = {node}
            for _ in range(MAX_STEPS):
                neighbours = graph.adj[node]
                if not neighbours:
                    break
                node = rng.choices(list(neighbours), weights=[math.exp(d["weight"]) for d in neighbours.values()])[0]
                visited.add(node)
            out.append(sorted(visited))
        return out

    return walks


def run_contender(key: str, path: Path, walks: int, nx_walks: int, repeat: int) -> list[dict[str, Any]]:
    busy, own = machine_busy_s(), sum(os.times()[:2])
    t0 = time.perf_counter()
    variants: dict[str, Variant]
    if key.startswith("pysynth"):
        variants = {key: (*pysynth_runner(key, path, walks), walks)}
    elif key == "numpy":
        nodes, source, target, weight = edge_arrays(path)
        tables = numpy_alias_tables(nodes, source, target, weight)
        variants = {f"numpy-{kind}": (partial(numpy_walks, tables, nodes, walks, sets=kind == "sets"),
                                      lambda arrays: len(arrays[1]) / walks, walks) for kind in ("paths", "sets")}
    else:
        walker = networkx_walker(*edge_arrays(path))
        variants = {key: (partial(walker, nx_walks), lambda sets: statistics.fmean(map(len, sets)), nx_walks)}
    setup_s = time.perf_counter() - t0
    results = []
    for name, (sample, set_size, count) in variants.items():
        times = []
        for seed in range(repeat):
            start = time.perf_counter()
            output = sample(seed)
            times.append(time.perf_counter() - start)
        results.append({"key": name, "walks": count, "setup_s": setup_s, "median_s": statistics.median(times),
                        "mean_set": set_size(output)})
    other = max(0.0, machine_busy_s() - busy - (sum(os.times()[:2]) - own))
    wall = time.perf_counter() - t0
    return [{**r, "other_cpu_s": other, "wall_s": wall} for r in results]


# ---------------------------------------------------------------- parent: spawn, print
def spawn(key: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    env = {**os.environ, **({"RAYON_NUM_THREADS": "1"} if key == "pysynth-1-thread" else {})}
    cmd = [sys.executable, __file__, "--only", key, "--json", "--nodes", str(args.nodes), "--edges", str(args.edges),
           "--walks", str(args.walks), "--nx-walks", str(args.nx_walks), "--repeat", str(args.repeat),
           "--seed", str(args.seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        print(f"!! {key} failed:\n{proc.stderr}", file=sys.stderr)
        return []
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def print_table(results: list[dict[str, Any]], cores: int) -> None:
    rates = {r["key"]: r["walks"] / r["median_s"] for r in results}
    numpy_rate = rates.get("numpy-paths")
    print("| contender | threads | walks | setup s | median s | walks/s | mean set size | vs numpy paths |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        threads = cores if r["key"] in ("pysynth", "pysynth-unique", "pysynth-lists") else 1
        ratio = f"{rates[r['key']] / numpy_rate:.3g}x" if numpy_rate else "-"
        print(f"| {r['key']} | {threads} | {r['walks']:,} | {r['setup_s']:.2f} | {r['median_s']:.4f} "
              f"| {rates[r['key']]:,.0f} | {r['mean_set']:.3f} | {ratio} |")
    print("\nCPU used by other processes while each contender ran (noise; ~0 on a quiet machine):")
    print("  " + ", ".join(f"{r['key']} {r['other_cpu_s']:.1f}s/{r['wall_s']:.1f}s" for r in results))
    if numpy_rate and "pysynth" in rates:
        ok = rates["pysynth"] >= 2 * numpy_rate
        print(f"\nTarget: [{'PASS' if ok else 'MISS'}] pysynth (unique=False, {cores} threads) >= 2x numpy paths: "
              f"{rates['pysynth']:,.0f} vs {numpy_rate:,.0f} walks/s ({rates['pysynth'] / numpy_rate:.2f}x)")


def contender_list(text: str) -> list[str]:
    keys = text.split(",")
    if unknown := set(keys) - set(CONTENDERS):
        raise argparse.ArgumentTypeError(f"unknown contenders {sorted(unknown)}; choose from {CONTENDERS}")
    return keys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=200_000)
    ap.add_argument("--walks", type=int, default=1_000_000)
    ap.add_argument("--nx-walks", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", type=contender_list, default=CONTENDERS, help=f"comma-separated subset of {CONTENDERS}")
    ap.add_argument("--json", action="store_true", help="run the contenders in this process and print JSON")
    args = ap.parse_args()
    keys, path = args.only, graph_path(args.nodes, args.edges, args.seed)
    if args.json:
        print(json.dumps([r for k in keys for r in run_contender(k, path, args.walks, args.nx_walks, args.repeat)]))
        return
    cores = len(os.sched_getaffinity(0))
    print(f"cores: {os.cpu_count()} (usable {cores}); python {sys.version.split()[0]}; numpy {np.__version__}")
    print(f"graph: {args.nodes:,} nodes, {args.edges:,} edges, seed {args.seed}; file {path}")
    print(f"walks: {args.walks:,} ({args.nx_walks:,} for networkx), {MAX_STEPS} steps, uniform start over all nodes; "
          f"median of {args.repeat}\n")
    print_table([r for k in keys for r in spawn(k, args)], cores)


if __name__ == "__main__":
    main()
