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
from pysynth.quest.concept_graph import ConceptGraph, WalkArrays
from pysynth import judge, problems
from pysynth.errors import ConfigError, InputError, JudgeFault, JudgeInternalError, PysynthError, SandboxError

__all__ = [
    "ConceptGraph",
    "ConfigError",
    "DedupConfig",
    "DedupResult",
    "DedupStats",
    "InputError",
    "JudgeFault",
    "JudgeInternalError",
    "MinHashConfig",
    "MinHashIndex",
    "MinHashScheme",
    "PysynthError",
    "SandboxError",
    "ShingleUnit",
    "Verification",
    "WalkArrays",
    "__version__",
    "dedup",
    "judge",
    "lsh_params",
    "minhash_signatures",
    "problems",
    "shingles",
]
