"""Benchmark pysynth's MinHash dedup against datasketch and rensa on one seeded corpus.

Corpus: `--docs` (20,000) English-like documents of ~1 KB. Words are drawn with Zipf-like
frequencies (rank ** -1) from a vocabulary of common English function words plus generated
pseudo-words (shorter ones ranked first), grouped into capitalised, punctuated sentences. 10% of
the documents are near-duplicates: a copy of an earlier original with 1 to 6 random word edits
(substitute, insert or delete), so their Jaccard similarity to the source straddles 0.8. The corpus
is written once to `benchmarks/.data/` as Parquet (columns `text`, `source`).

Contenders, each run in its own process (`--only KEY --json`) so that its peak RSS is its own
(VmHWM at the end; ru_maxrss would inherit the parent's peak across fork+exec): pysynth
fast/{exact,estimated,none} (exact is the default), pysynth with datasketch-identical hashes,
datasketch (MinHash.bulk + MinHashLSH via insertion_session) and rensa (RMinHash.from_token_sets +
RMinHashLSH). pysynth modes use their default LSH weights: datasketch's (0.5, 0.5) without
verification, (0.05, 0.95) with it. rensa requires bands to divide num_perm, so it gets the divisor
nearest to datasketch's band count (`pysynth.lsh_params(threshold, num_perm)`). Every contender uses
the same shingles: word 5-grams of normalized text (lowercase, non-alphanumerics separate words,
words joined by one space; a shorter text is one shingle). The peers shingle in Python; that
shingler is checked against `pysynth.shingles` before anything runs.

Measured, as the median of `--repeat` runs:
- signatures/s: documents signed per second from in-memory texts, shingling included. pysynth:
  `minhash_signatures` on a polars Series. Peers: their shingle and sign phases of the end-to-end
  run, also reported excluding the Python shingling.
- end-to-end s: read the Parquet file with polars, shingle, sign, index, query and cluster
  (union-find over candidate pairs, keeping the first document of each cluster, as pysynth does).
- precision / recall on a deterministic sample of 2,000 documents: three quarters are
  near-duplicates together with their sources (in a seeded order), the rest are other random
  documents. True pairs: exact Jaccard of the shingle sets >= threshold. Predicted pairs: sample
  pairs that the contender put in one cluster. "pairs" is the number predicted in the sample;
  "removed" counts documents not kept in the whole corpus.
The CPU time other processes used during each contender is printed too: timings taken on a busy
machine are not comparable.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

DATA_DIR = Path(__file__).resolve().parent / ".data"
NUM_PERM, NGRAM, SAMPLE = 128, 5, 2000
FUNCTION_WORDS = "the of and to a in is that it for was on with as by at be this are from or an not but".split()
PYSYNTH = {"pysynth-fast-exact": ("fast", "exact"), "pysynth-fast-estimated": ("fast", "estimated"),
           "pysynth-fast-none": ("fast", "none"), "pysynth-datasketch-exact": ("datasketch", "exact")}
CONTENDERS = [*PYSYNTH, "datasketch", "rensa"]
DEFAULT = "pysynth-fast-exact"  # pysynth.dedup's defaults
WORD = re.compile(r"[^\W_]+")
Labels = list[int]
Steps = tuple[Callable[[list[str]], Any], Callable[[Any], Any], Callable[[Any], list[list[int]]]]


# ---------------------------------------------------------------- corpus
def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    onsets = "b c d f g h j k l m n p r s t v w y z br ch cl cr dr fl fr gr pl pr sh st th tr".split()
    vowels, codas = "a e i o u ai ea ee ie oo ou".split(), ["", "", "n", "r", "s", "t", "l", "nd", "st", "ng"]
    words = dict.fromkeys(FUNCTION_WORDS)
    while len(words) < size:
        syllables = rng.choices((1, 2, 3), weights=(0.35, 0.45, 0.2))[0]
        words["".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(syllables))] = None
    return FUNCTION_WORDS + sorted(list(words)[len(FUNCTION_WORDS):], key=len)


def sentences(words: list[str], rng: random.Random) -> str:
    out, i = [], 0
    while i < len(words):
        sentence = words[i:i + rng.randint(6, 18)]
        i += len(sentence)
        sentence[0] = sentence[0].capitalize()
        if len(sentence) > 6 and rng.random() < 0.4:
            sentence[rng.randrange(2, len(sentence) - 2)] += ","
        out.append(" ".join(sentence) + ".")
    return " ".join(out)


def near_duplicate(text: str, rng: random.Random, draw: Callable[[], str]) -> str:
    tokens = text.split(" ")
    for _ in range(rng.randint(1, 6)):
        op, pos = rng.choice("sid"), rng.randrange(len(tokens))
        if op == "s":
            tokens[pos] = draw()
        elif op == "i":
            tokens.insert(pos, draw())
        elif len(tokens) > 1:
            del tokens[pos]
    return " ".join(tokens)


def build_corpus(n: int, seed: int) -> pl.DataFrame:
    rng, prng = np.random.default_rng(seed), random.Random(seed)
    vocab = vocabulary(prng)
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    cdf = np.cumsum(weights / weights.sum())
    lengths = np.array([len(w) + 1 for w in vocab])
    targets = set(prng.sample(range(1, n), n // 10)) if n > 1 else set()
    originals = [i for i in range(n) if i not in targets]
    texts, sources = [""] * n, [-1] * n
    for i in originals:
        ids = np.searchsorted(cdf, rng.random(400))
        cut = int(np.searchsorted(np.cumsum(lengths[ids]), prng.randint(850, 1050))) + 1
        texts[i] = sentences([vocab[j] for j in ids[:cut]], prng)
    draw = lambda: vocab[bisect.bisect(cdf, prng.random()) % len(vocab)]  # noqa: E731
    for t in sorted(targets):
        sources[t] = originals[prng.randrange(bisect.bisect_left(originals, t))]
        texts[t] = near_duplicate(texts[sources[t]], prng, draw)
    return pl.DataFrame({"text": texts, "source": sources})


def corpus_path(n: int, seed: int) -> Path:
    path = DATA_DIR / f"corpus-v1-n{n}-s{seed}.parquet"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        build_corpus(n, seed).write_parquet(tmp)
        tmp.replace(path)
    return path


# ---------------------------------------------------------------- shingles, truth, clusters
def py_shingles(text: str) -> list[str]:
    words = WORD.findall(text.lower())
    if len(words) < NGRAM:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)]


def sample_indices(sources: list[int], seed: int) -> list[int]:
    if len(sources) <= SAMPLE:
        return list(range(len(sources)))
    rng = random.Random(seed + 1)
    targets = [i for i, s in enumerate(sources) if s >= 0]
    rng.shuffle(targets)
    chosen: dict[int, None] = {}
    for t in targets:
        if len(chosen) + 2 > SAMPLE * 3 // 4:
            break
        chosen.update({t: None, sources[t]: None})
    rest = [i for i in range(len(sources)) if i not in chosen]
    rng.shuffle(rest)
    return sorted([*chosen, *rest[:SAMPLE - len(chosen)]])


def true_pairs(texts: list[str], sample: list[int], threshold: float) -> set[tuple[int, int]]:
    """Exact Jaccard over all sample pairs that share a shingle (no other pair can reach threshold > 0)."""
    sets = {i: set(py_shingles(texts[i])) for i in sample}
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for i in sample:
        for s in sets[i]:
            postings[s].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        shared.update(combinations(docs, 2))
    return {(a, b) for (a, b), c in shared.items() if c / (len(sets[a]) + len(sets[b]) - c) >= threshold}


def predicted_pairs(labels: Labels, sample: list[int]) -> set[tuple[int, int]]:
    groups: defaultdict[int, list[int]] = defaultdict(list)
    for i in sample:
        groups[labels[i]].append(i)
    return {p for g in groups.values() for p in combinations(g, 2)}


def union_find(candidates: Sequence[Sequence[int]]) -> Labels:
    """Cluster label = smallest index in the component (the document kept)."""
    parent = list(range(len(candidates)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = x = parent[parent[x]]
        return x

    for i, cands in enumerate(candidates):
        for j in cands:
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(parent))]


# ---------------------------------------------------------------- contenders (child process)
def read_column(path: Path) -> pl.Series:
    return pl.read_parquet(path, columns=["text"]).to_series()


def median_phases(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def run_pysynth(key: str, path: Path, threshold: float, repeat: int) -> dict[str, Any]:
    import pysynth

    scheme, verify = PYSYNTH[key]
    series, sign_s = read_column(path), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pysynth.minhash_signatures(series, num_perm=NUM_PERM, ngram=NGRAM, scheme=scheme)
        sign_s.append(time.perf_counter() - t0)
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        column = read_column(path)
        t1 = time.perf_counter()
        result = pysynth.dedup(column, threshold=threshold, num_perm=NUM_PERM, ngram=NGRAM, scheme=scheme,
                               verify=verify)
        runs.append({"read": t1 - t0, "dedup": time.perf_counter() - t1})
    return {"sign_s": statistics.median(sign_s), "phases": median_phases(runs), "labels": result.cluster_ids.tolist()}


def datasketch_steps(threshold: float) -> Steps:
    from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]

    def index(minhashes: list[Any]) -> list[list[int]]:
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        with lsh.insertion_session() as session:
            for i, m in enumerate(minhashes):
                session.insert(i, m, check_duplication=False)
        return [lsh.query(m) for m in minhashes]

    return (lambda texts: [[s.encode() for s in py_shingles(t)] for t in texts],
            lambda docs: MinHash.bulk(docs, num_perm=NUM_PERM, seed=1), index)


def rensa_bands(threshold: float) -> int:
    import pysynth

    bands = pysynth.lsh_params(threshold, NUM_PERM)[0]
    return min((d for d in range(1, NUM_PERM + 1) if NUM_PERM % d == 0), key=lambda d: (abs(d - bands), -d))


def rensa_steps(threshold: float) -> Steps:
    from rensa import RMinHash, RMinHashLSH  # type: ignore[import-untyped]

    def index(minhashes: list[Any]) -> list[list[int]]:
        lsh = RMinHashLSH(threshold, NUM_PERM, rensa_bands(threshold))
        lsh.insert_many(minhashes)
        candidates: list[list[int]] = lsh.query_all(minhashes)
        return candidates

    return (lambda texts: [py_shingles(t) for t in texts],
            lambda docs: RMinHash.from_token_sets(docs, NUM_PERM, 1), index)


def run_peer(key: str, path: Path, threshold: float, repeat: int) -> dict[str, Any]:
    shingle, sign, index = (datasketch_steps if key == "datasketch" else rensa_steps)(threshold)
    runs = []
    for _ in range(repeat):
        marks = [time.perf_counter()]
        data: Any = read_column(path).to_list()
        marks.append(time.perf_counter())
        for step in (shingle, sign, index, union_find):
            data = step(data)
            marks.append(time.perf_counter())
        runs.append(dict(zip(("read", "shingle", "sign", "index", "cluster"), np.diff(marks).tolist())))
        labels = data
    phases = median_phases(runs)
    incl = statistics.median(r["shingle"] + r["sign"] for r in runs)
    return {"sign_s": incl, "sign_excl_s": phases["sign"], "phases": phases, "labels": labels}


def peak_rss_mib() -> float:
    """This process's peak RSS. Linux carries ru_maxrss across fork+exec, so a child would report the
    parent's peak if that is higher; VmHWM belongs to the exec'd image alone, so prefer it."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_busy_s() -> float:
    """CPU seconds all processes on the machine have used (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_contender(key: str, path: Path, threshold: float, repeat: int) -> dict[str, Any]:
    runner = run_pysynth if key in PYSYNTH else run_peer
    busy, own, wall = machine_busy_s(), sum(os.times()[:2]), time.perf_counter()
    result = runner(key, path, threshold, repeat)
    result["other_cpu_s"] = max(0.0, machine_busy_s() - busy - (sum(os.times()[:2]) - own))
    result["wall_s"] = time.perf_counter() - wall
    result["e2e_s"] = sum(result["phases"].values())
    result["rss_mib"] = peak_rss_mib()
    return {"key": key, **result}


# ---------------------------------------------------------------- parent: spawn, score, print
def spawn(key: str, args: argparse.Namespace) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--only", key, "--json", "--docs", str(args.docs), "--seed", str(args.seed),
           "--repeat", str(args.repeat), "--threshold", str(args.threshold)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"!! {key} failed:\n{proc.stderr}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(proc.stdout)[0]
    return result


def score(result: dict[str, Any], sample: list[int], truth: set[tuple[int, int]]) -> None:
    pred = predicted_pairs(result["labels"], sample)
    hits = len(pred & truth)
    result["precision"] = hits / len(pred) if pred else float("nan")
    result["recall"] = hits / len(truth) if truth else float("nan")
    result["pairs"] = len(pred)
    result["removed"] = sum(label != i for i, label in enumerate(result["labels"]))


def label(key: str) -> str:
    return f"pysynth {'/'.join(PYSYNTH[key])}" if key in PYSYNTH else key


def print_table(results: list[dict[str, Any]], n: int) -> None:
    print("| contender | sig/s (incl. shingling) | sig/s (excl. Py shingling) | end-to-end s | peak RSS MiB "
          "| precision | recall | pairs | removed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        excl = f"{n / r['sign_excl_s']:,.0f}" if "sign_excl_s" in r else "-"
        print(f"| {label(r['key'])} | {n / r['sign_s']:,.0f} | {excl} | {r['e2e_s']:.3f} | {r['rss_mib']:.0f} "
              f"| {r['precision']:.4f} | {r['recall']:.4f} | {r['pairs']} | {r['removed']} |")
    print("\nEnd-to-end breakdown (median s per phase):")
    for r in results:
        print(f"  {label(r['key']):30s} " + "  ".join(f"{k} {v:.3f}" for k, v in r["phases"].items()))
    print("\nCPU used by other processes while each contender ran (noise; ~0 on a quiet machine):")
    print("  " + ", ".join(f"{label(r['key'])} {r['other_cpu_s']:.1f}s/{r['wall_s']:.1f}s" for r in results))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_summary(by_key: dict[str, dict[str, Any]], n: int, threshold: float) -> None:
    ours = by_key.get(DEFAULT)
    if ours is None:
        return
    print(f"\nSpeedups of {label(DEFAULT)} (end-to-end):")
    for peer in ("datasketch", "rensa"):
        if peer in by_key:
            print(f"  vs {peer}: {by_key[peer]['e2e_s'] / ours['e2e_s']:.1f}x faster end-to-end, "
                  f"{by_key[peer]['sign_s'] / ours['sign_s']:.1f}x signatures/s (both incl. shingling)")
    print("\nTargets:")
    print(f"  [{verdict(ours['e2e_s'] <= 0.4)}] {label(DEFAULT)} end-to-end <= 0.4 s: {ours['e2e_s']:.3f} s")
    if "rensa" in by_key:
        rensa = by_key["rensa"]
        ref = n / rensa["sign_excl_s"]
        print(f"  [{verdict(n / ours['sign_s'] >= ref)}] pysynth fast signatures/s (incl. shingling) >= rensa's "
              f"(excl. Python shingling): {n / ours['sign_s']:,.0f} vs {ref:,.0f} "
              f"(rensa incl. shingling: {n / rensa['sign_s']:,.0f})")
    for key in PYSYNTH:
        if key in by_key:
            p, r = by_key[key]["precision"], by_key[key]["recall"]
            print(f"  [{verdict(p >= 0.95 and r >= 0.95)}] {label(key)} precision and recall >= 0.95 at "
                  f"threshold {threshold}: {p:.4f} / {r:.4f}")


def parent(args: argparse.Namespace, keys: list[str]) -> None:
    import pysynth

    path = corpus_path(args.docs, args.seed)
    frame = pl.read_parquet(path)
    texts, sources = frame["text"].to_list(), frame["source"].to_list()
    for t in texts[:200]:
        assert [s.encode() for s in py_shingles(t)] == pysynth.shingles(t, ngram=NGRAM), "shingler mismatch"
    sample = sample_indices(sources, args.seed)
    truth = true_pairs(texts, sample, args.threshold)
    print(f"cores: {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}); python {sys.version.split()[0]}")
    print(f"corpus: {len(texts)} docs, mean {np.mean([len(t.encode()) for t in texts]):.0f} bytes, "
          f"{sum(s >= 0 for s in sources)} near-duplicates, seed {args.seed}; file {path}")
    params = pysynth.lsh_params(args.threshold, NUM_PERM)
    verified = pysynth.lsh_params(args.threshold, NUM_PERM, (0.05, 0.95))
    print(f"LSH: threshold {args.threshold}, num_perm {NUM_PERM}, (bands, rows) {params} unverified and for "
          f"datasketch, {verified} for pysynth with verification, rensa bands "
          f"{rensa_bands(args.threshold)}; repeat {args.repeat} (median)")
    print(f"sample: {len(sample)} docs, {len(truth)} true pairs with exact Jaccard >= {args.threshold}\n")
    results = [r for r in (spawn(k, args) for k in keys) if r is not None]
    for r in results:
        score(r, sample, truth)
    print_table(results, len(texts))
    print_summary({r["key"]: r for r in results}, len(texts), args.threshold)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--only", default=",".join(CONTENDERS), help=f"comma-separated subset of {CONTENDERS}")
    ap.add_argument("--json", action="store_true", help="run the contenders in this process and print JSON")
    args = ap.parse_args()
    keys = args.only.split(",")
    if unknown := set(keys) - set(CONTENDERS):
        ap.error(f"unknown contenders {sorted(unknown)}; choose from {CONTENDERS}")
    if args.json:
        path = corpus_path(args.docs, args.seed)
        print(json.dumps([run_contender(k, path, args.threshold, args.repeat) for k in keys]))
    else:
        parent(args, keys)


if __name__ == "__main__":
    main()
