"""pysynth.dedup: datasketch equality, documented shingling, clustering, inputs, index, errors."""

from __future__ import annotations

import random
import re

import datasketch
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from datasketch.lsh import _optimal_param

import pysynth
from pysynth import ConfigError, InputError, MinHashIndex, dedup, lsh_params, minhash_signatures, shingles
from pysynth.dedup import dedup_columns
from tests.conftest import random_text
from tests.gil import share_of_free_rate

UNICODE_TEXTS = [
    "Ünïcode ÉCOLE — «quoted» text, with punctuation; and CAPS!",
    "日本語のテキスト と English mixed 123 ４５６",
    "Σίσυφος ΣΊΣΥΦΟΣ tab\tseparated\nnew line",
    "short",
    "",
    "   ... !!! ",
]


def corpus(rng: random.Random) -> list[str]:
    return UNICODE_TEXTS + [random_text(rng, rng.randint(1, 120)) for _ in range(40)]


@pytest.mark.parametrize(("scheme", "datasketch_scheme"), [("datasketch", "affine32"), ("datasketch-legacy", "legacy")])
@pytest.mark.parametrize(("num_perm", "seed"), [(16, 1), (128, 42), (256, 2**32 - 1)])
@pytest.mark.parametrize("unit", ["word", "char"])
def test_datasketch_schemes_are_bit_identical(
    rng: random.Random, scheme: str, datasketch_scheme: str, num_perm: int, seed: int, unit: str
) -> None:
    texts = corpus(rng)
    ours = minhash_signatures(texts, num_perm=num_perm, seed=seed, scheme=scheme, unit=unit, ngram=3)
    assert ours.dtype == np.uint64 and ours.shape == (len(texts), num_perm)
    for row, text in enumerate(texts):
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme=datasketch_scheme)
        reference.update_batch(shingles(text, unit=unit, ngram=3))
        assert ours[row].tolist() == reference.hashvalues.astype(np.uint64).tolist(), f"row {row}: {text!r}"


def test_shingles_follow_the_documented_normalization() -> None:
    assert shingles("The Cat, the HAT!", ngram=2) == [b"the cat", b"cat the", b"the hat"]
    assert shingles("Don't stop", ngram=5) == [b"don t stop"]
    assert shingles("Don't stop", ngram=5, strip_punctuation=False, lowercase=False) == [b"Don't stop"]
    assert shingles("ÉCOLE ünï", ngram=4, unit="char") == [x.encode() for x in ["écol", "cole", "ole ", "le ü", "e ün", " ünï"]]
    assert shingles(" ,.; ") == []


@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_lsh_params_match_datasketch(num_perm: int) -> None:
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95):
        expected = _optimal_param(threshold, num_perm, 0.5, 0.5)
        assert lsh_params(threshold, num_perm) == expected, f"threshold {threshold}"
    assert lsh_params(0.8, 128, (0.3, 0.7)) == _optimal_param(0.8, 128, 0.3, 0.7)


def test_fast_scheme_estimates_jaccard(rng: random.Random) -> None:
    base = [f"w{i}" for i in range(400)]
    for keep in (100, 250, 350):
        other = base[:keep] + [f"x{i}" for i in range(400 - keep)]
        truth = len(set(base) & set(other)) / len(set(base) | set(other))
        signatures = minhash_signatures([" ".join(base), " ".join(other)], ngram=1, num_perm=1024)
        estimate = float(np.mean(signatures[0] == signatures[1]))
        assert abs(estimate - truth) < 0.05, (keep, truth, estimate)


def test_empty_text_gets_the_empty_signature() -> None:
    for scheme in ("fast", "datasketch", "datasketch-legacy"):
        signatures = minhash_signatures(["", "!!!"], num_perm=8, scheme=scheme)
        assert (signatures == 2**32 - 1).all(), scheme


def near_duplicate(rng: random.Random, text: str) -> str:
    words = text.split()
    words[rng.randrange(len(words) - 5, len(words))] = "edited"
    return " ".join(words)


@pytest.mark.parametrize("verify", ["none", "estimated", "exact"])
@pytest.mark.parametrize("scheme", ["fast", "datasketch"])
def test_dedup_clusters_near_duplicates_and_keeps_the_first(rng: random.Random, verify: str, scheme: str) -> None:
    originals = [random_text(rng, 200) for _ in range(30)]
    copies = {35: 3, 40: 3, 41: 7, 44: 0}
    texts = originals + [""] * 5 + [random_text(rng, 200) for _ in range(15)]
    for index, source in copies.items():
        texts[index] = near_duplicate(rng, originals[source])
    result = dedup(texts, verify=verify, scheme=scheme)
    expected_clusters = np.arange(len(texts))
    for index, source in copies.items():
        expected_clusters[index] = source
    assert result.cluster_ids.tolist() == expected_clusters.tolist()
    assert result.keep.tolist() == (expected_clusters == np.arange(len(texts))).tolist()
    # Without verification, datasketch's balanced choice; with it, bands weighted towards recall.
    weights = (0.5, 0.5) if verify == "none" else (0.05, 0.95)
    assert (result.bands, result.rows) == lsh_params(0.8, 128, weights) == ((9, 13) if verify == "none" else (16, 8))
    assert result.stats.duplicates == 4
    assert result.stats.empty_documents == 5


def chained_corpus(rng: random.Random) -> list[str]:
    """Originals, empty texts and near-duplicates of near-duplicates (clusters joined through a chain)."""
    texts = [random_text(rng, rng.randint(20, 200)) for _ in range(60)] + ["", " !! "]
    for _ in range(60):
        texts.append(near_duplicate(rng, rng.choice(texts[:60] + texts[62:])))
    return texts


@pytest.mark.parametrize("verify", ["none", "estimated", "exact"])
@pytest.mark.parametrize("scheme", ["fast", "datasketch"])
def test_dedup_columns_are_dedup_as_polars_series(rng: random.Random, verify: str, scheme: str) -> None:
    texts = pl.Series(chained_corpus(rng))
    arrays, columns = dedup(texts, verify=verify, scheme=scheme), dedup_columns(texts, verify=verify, scheme=scheme)
    assert columns.cluster_ids.dtype == pl.Int64 and columns.keep.dtype == pl.Boolean
    assert columns.cluster_ids.to_list() == arrays.cluster_ids.tolist()
    assert columns.keep.to_list() == arrays.keep.tolist()
    assert (columns.bands, columns.rows, columns.stats) == (arrays.bands, arrays.rows, arrays.stats)
    assert columns.stats.duplicates > 0


@pytest.mark.parametrize("scheme", ["fast", "datasketch"])
def test_batch_exact_verification_confirms_the_pairs_the_index_confirms(rng: random.Random, scheme: str) -> None:
    # Batch dedup builds the exact shingle sets of candidate pairs only; the index builds every set.
    # Both must confirm the same pairs, so clustering the index's pairs gives dedup's clusters.
    texts = chained_corpus(rng)
    index = MinHashIndex(scheme=scheme)
    index.insert(texts)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, similar in enumerate(index.query(texts)):
        for j in similar:
            low, high = sorted((root(i), root(j)))
            parent[high] = low
    assert dedup(texts, scheme=scheme).cluster_ids.tolist() == [root(i) for i in range(len(texts))]


def test_explicit_weights_override_the_default(rng: random.Random) -> None:
    texts = [random_text(rng, 50) for _ in range(3)]
    assert (dedup(texts, weights=(0.5, 0.5)).bands, dedup(texts, weights=(0.5, 0.5)).rows) == (9, 13)
    assert dedup(texts, weights=(0.3, 0.7), verify="none").bands == lsh_params(0.8, 128, (0.3, 0.7))[0]


def test_verification_rejects_pairs_the_buckets_suggest(rng: random.Random) -> None:
    # One band of one row: any two texts sharing their minimum shingle hash are candidates.
    shared = random_text(rng, 3)
    texts = [f"{shared} {random_text(rng, 2)}" for _ in range(50)]
    loose = dedup(texts, bands=1, rows=1, ngram=1, verify="none")
    checked = dedup(texts, bands=1, rows=1, ngram=1, verify="exact", threshold=0.95)
    assert loose.stats.duplicates > 0
    assert checked.stats.candidate_pairs >= loose.stats.candidate_pairs
    assert checked.stats.duplicates < loose.stats.duplicates


def test_arrow_and_polars_inputs_match_python_lists(rng: random.Random) -> None:
    texts = corpus(rng)
    expected = minhash_signatures(texts)
    inputs = {
        "polars": pl.Series(texts),
        "pyarrow string": pa.array(texts, pa.string()),
        "pyarrow large_string": pa.array(texts, pa.large_string()),
        "pyarrow string_view": pa.array(texts, pa.string_view()),
        "pyarrow chunked": pa.chunked_array([texts[:7], texts[7:20], texts[20:]]),
        "tuple": tuple(texts),
    }
    for name, column in inputs.items():
        assert (minhash_signatures(column) == expected).all(), name


def test_arrow_nulls_read_as_empty_texts() -> None:
    with_nulls = pl.Series(["a b c d e f", None, "a b c d e f"])
    assert dedup(with_nulls).keep.tolist() == [True, True, False]
    assert dedup(with_nulls).stats.empty_documents == 1


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(InputError, match="single str"):
        minhash_signatures("not a list")
    with pytest.raises(InputError, match="row 1 is int"):
        dedup(["fine", 7])
    with pytest.raises(InputError, match="Int64"):
        dedup(pl.Series([1, 2, 3]))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threshold": 1.0}, "threshold"),
        ({"threshold": 0.0}, "threshold"),
        ({"num_perm": 0}, "num_perm"),
        ({"ngram": 0}, "ngram"),
        ({"scheme": "md5"}, "scheme"),
        ({"bands": 4}, "bands and rows"),
        ({"bands": 20, "rows": 20}, "bands x rows"),
        ({"weights": (0.9, 0.9)}, "weights"),
        ({"seed": 2**32, "scheme": "datasketch"}, "seed"),
        ({"treshold": 0.5}, "treshold: unknown option"),
    ],
)
def test_invalid_config_raises_config_error(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        dedup(["some text"], **options)


def test_index_finds_contaminated_texts(rng: random.Random) -> None:
    benchmark = [random_text(rng, 80) for _ in range(20)]
    index = MinHashIndex(threshold=0.7)
    index.insert(benchmark[:10])
    index.insert(benchmark[10:], ids=[100 + i for i in range(10)])
    assert len(index) == 20
    training = [near_duplicate(rng, benchmark[4]), random_text(rng, 80), benchmark[15].upper()]
    assert index.query(training) == [[4], [], [105]]
    assert index.query(pl.Series(training)) == [[4], [], [105]]
    index.insert([benchmark[4]])  # default ids continue after the largest id so far
    assert index.query([benchmark[4]]) == [[4, 110]]


def test_public_api_is_exported() -> None:
    for name in pysynth.__all__:
        assert hasattr(pysynth, name), name


def test_signing_releases_the_gil(rng: random.Random) -> None:
    texts = pl.Series([random_text(rng, 150) for _ in range(5000)] * 8)
    share = share_of_free_rate(lambda: [dedup(texts, scheme="datasketch") for _ in range(2)])
    assert share > 0.1, f"a Python thread ran at {share:.0%} of its rate while dedup worked"


def write_parquet(path, table: pl.DataFrame) -> object:
    table.write_parquet(path)
    return path


def test_dedup_parquet_file_keeps_what_dedup_keeps_in_the_file_s_own_schema(rng: random.Random, tmp_path) -> None:
    texts = corpus(rng)
    texts += [text + " !" for text in texts[:10]]  # near-duplicates of the first rows
    texts[7] = None  # a null reads as an empty text
    table = pl.DataFrame({"id": range(len(texts)), "text": texts, "tags": [[f"t{i}"] * (i % 3) for i in range(len(texts))],
                          "meta": [{"n": i, "s": str(i)} for i in range(len(texts))]})
    source = write_parquet(tmp_path / "in.parquet", table)
    output = tmp_path / "kept.parquet"
    result = pysynth.dedup_parquet_file(source, output, "text", threshold=0.7, ngram=3)
    expected = dedup([text or "" for text in texts], threshold=0.7, ngram=3)
    kept = pl.read_parquet(output)
    assert result.kept == kept.height == int(expected.keep.sum())
    assert result.stats.duplicates == expected.stats.duplicates and (result.bands, result.rows) == (expected.bands, expected.rows)
    assert kept.columns == ["id", "text", "tags", "meta", "cluster_id"]
    assert kept["cluster_id"].dtype == pl.Int64
    want = table.with_columns(pl.Series("cluster_id", expected.cluster_ids)).filter(pl.Series(expected.keep))
    assert kept.equals(want), "the kept rows, their values and the cluster ids must equal dedup()'s"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "kept.parquet"], "no temporary file left"


@pytest.mark.parametrize(
    ("table", "column", "options", "error", "message"),
    [
        ({"body": ["a b c"]}, "text", {}, InputError, "in.parquet: no column 'text' (columns: body)"),
        ({"text": [1, 2]}, "text", {}, InputError, "in.parquet: column 'text' holds Int64, not text"),
        ({"text": ["a"], "cluster_id": [0]}, "text", {}, InputError, "already has a 'cluster_id' column"),
        ({"text": ["a"]}, "text", {"threshold": 1.0}, ConfigError, "threshold"),
        ({"text": ["a"]}, "text", {"num_perm": 20000}, ConfigError, "num_perm"),
    ],
)
def test_dedup_parquet_file_errors_name_the_file_and_write_nothing(tmp_path, table, column: str, options, error, message: str) -> None:
    source = write_parquet(tmp_path / "in.parquet", pl.DataFrame(table))
    with pytest.raises(error, match=re.escape(message)):
        pysynth.dedup_parquet_file(source, tmp_path / "out.parquet", column, **options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_dedup_parquet_file_replaces_an_output_only_when_whole(tmp_path) -> None:
    source = write_parquet(tmp_path / "in.parquet", pl.DataFrame({"text": ["one two three", "four five six"]}))
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really")
    output = tmp_path / "out.parquet"
    output.write_bytes(b"an earlier output")
    with pytest.raises(InputError, match="garbage.parquet: cannot read as parquet"):
        pysynth.dedup_parquet_file(garbage, output)
    assert output.read_bytes() == b"an earlier output"
    blocked = tmp_path / "blocked.parquet"
    blocked.mkdir()  # a directory where the output should go: the rename fails
    with pytest.raises(InputError, match="blocked.parquet: cannot write"):
        pysynth.dedup_parquet_file(source, blocked)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    pysynth.dedup_parquet_file(source, output)
    assert pl.read_parquet(output)["text"].to_list() == ["one two three", "four five six"]
