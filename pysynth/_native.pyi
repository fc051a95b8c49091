"""Type stubs for the Rust extension. Private: use the wrappers in `pysynth`."""

from typing import Any, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = [
    "DIFFICULTY_FIELDS",
    "JUDGE_LOCK_DIR",
    "RESULT_FIELDS",
    "RUN_FIELDS",
    "VOTE_FIELDS",
    "ArrowColumn",
    "ConceptGraph",
    "JudgePool",
    "LshIndex",
    "dedup",
    "dedup_columns",
    "dedup_parquet_file",
    "judge",
    "lsh_params",
    "minhash_signatures",
    "shingles",
]

RUN_FIELDS: tuple[str, ...]
VOTE_FIELDS: tuple[str, ...]
DIFFICULTY_FIELDS: tuple[str, ...]
RESULT_FIELDS: tuple[str, ...]
JUDGE_LOCK_DIR: str

def minhash_signatures(texts: Any, config: Any) -> npt.NDArray[np.uint64]: ...
def shingles(text: str, config: Any) -> list[bytes]: ...
def lsh_params(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]: ...
def dedup(
    texts: Any, config: Any
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], tuple[int, int], dict[str, int]]: ...
def dedup_columns(texts: Any, config: Any) -> tuple[ArrowColumn, ArrowColumn, tuple[int, int], dict[str, int]]: ...
def dedup_parquet_file(input: str, output: str, column: str, *, num_perm: int, seed: int, scheme: str, ngram: int,
                       unit: str, lowercase: bool, strip_punctuation: bool, threshold: float,
                       weights: tuple[float, float], bands: int | None, rows: int | None,
                       verify: str) -> tuple[int, tuple[int, int], dict[str, int]]: ...
@final
class ArrowColumn:
    """One Arrow array, exported through the Arrow PyCapsule interface (`pl.Series(column)`)."""

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...
    def __len__(self) -> int: ...

@final
class LshIndex:
    def __new__(cls, config: Any) -> Self: ...
    def insert(self, texts: Any, ids: list[int]) -> None: ...
    def query(self, texts: Any) -> list[list[int]]: ...
    @property
    def params(self) -> tuple[int, int]: ...
    def __len__(self) -> int: ...

@final
class ConceptGraph:
    @staticmethod
    def from_seeds(
        seeds: list[list[str]],
        difficulties: list[float | None],
        alpha: float,
        eps: float,
        default_difficulty: float | None = None,
    ) -> ConceptGraph: ...
    @staticmethod
    def from_edges(
        sources: Any,
        targets: Any,
        weights: list[float],
        freq: list[int] | None,
        diff: list[float] | None,
        nodes: Any,
    ) -> ConceptGraph: ...
    @property
    def nodes(self) -> list[str]: ...
    def edges(
        self,
    ) -> tuple[
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint32],
        npt.NDArray[np.float64],
        npt.NDArray[np.uint32] | None,
        npt.NDArray[np.float64] | None,
    ]: ...
    def transition_probabilities(self, node: str) -> list[tuple[str, float]]: ...
    def sample_walks(
        self,
        count: int,
        start_nodes: list[str] | None,
        max_steps: int,
        seed: int,
        unique: bool,
        max_attempts: int | None = None,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32], int]: ...

def judge(
    solutions: list[tuple[str, str]], tests: list[tuple[bytes, bytes | None]], config: Any
) -> tuple[Any, ...]: ...
@final
class JudgePool:
    def __new__(cls, config: Any) -> Self: ...
    def run(
        self, solutions: list[tuple[str, str]], tests: list[tuple[bytes, bytes | None]], config: Any
    ) -> tuple[Any, ...]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def size(self) -> int: ...
    @property
    def workers_replaced(self) -> int: ...
    def zygote_pids(self) -> list[int]: ...
