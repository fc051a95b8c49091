"""pysynth: an engine that manufactures difficult training problems for LLMs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pysynth")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

from pysynth.dedup import (
    DedupConfig,
    DedupResult,
    DedupStats,
    MinHashConfig,
    MinHashIndex,
    MinHashScheme,
    ShingleUnit,
    Verification,
    dedup,
    lsh_params,
    minhash_signatures,
    shingles,
)
from pysynth.errors import ConfigError, InputError, PysynthError

__all__ = [
    "ConfigError",
    "DedupConfig",
    "DedupResult",
    "DedupStats",
    "InputError",
    "MinHashConfig",
    "MinHashIndex",
    "MinHashScheme",
    "PysynthError",
    "ShingleUnit",
    "Verification",
    "__version__",
    "dedup",
    "lsh_params",
    "minhash_signatures",
    "shingles",
]
