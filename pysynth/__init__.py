"""pysynth: an engine that manufactures difficult training problems for LLMs.

The public API is imported on first use (PEP 562): `import pysynth`, and a command that needs one
part of it, do not pay for numpy, polars, pydantic, the native extension or the judge. Type checkers
read the imports under `TYPE_CHECKING`; at run time `__getattr__` imports the module a name lives in.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from pysynth.errors import ConfigError, InputError, JudgeFault, JudgeInternalError, PysynthError, SandboxError

if TYPE_CHECKING:
    from pysynth import judge, problems
    from pysynth.dedup import (
        DedupConfig,
        DedupFileResult,
        DedupResult,
        DedupStats,
        MinHashConfig,
        MinHashIndex,
        dedup,
        dedup_parquet_file,
        lsh_params,
        minhash_signatures,
        shingles,
    )
    from pysynth.dedup_modes import MinHashScheme, ShingleUnit, Verification
    from pysynth.quest.concept_graph import ConceptGraph, WalkArrays
    from pysynth.rewards.code import code_reward

    __version__: str

__all__ = [
    "ConceptGraph",
    "ConfigError",
    "DedupConfig",
    "DedupFileResult",
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
    "code_reward",
    "dedup",
    "dedup_parquet_file",
    "judge",
    "lsh_params",
    "minhash_signatures",
    "problems",
    "shingles",
]

# Each lazily imported name -> the module that defines it; the public submodules are their own entry.
_SUBMODULES = frozenset({"judge", "problems"})
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        ("DedupConfig", "DedupFileResult", "DedupResult", "DedupStats", "MinHashConfig", "MinHashIndex", "dedup",
         "dedup_parquet_file", "lsh_params", "minhash_signatures", "shingles"), "pysynth.dedup"),
    **dict.fromkeys(("MinHashScheme", "ShingleUnit", "Verification"), "pysynth.dedup_modes"),
    **dict.fromkeys(("ConceptGraph", "WalkArrays"), "pysynth.quest.concept_graph"),
    "code_reward": "pysynth.rewards.code",
    **{name: f"pysynth.{name}" for name in _SUBMODULES},
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pysynth")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any attribute

    def __getattr__(name: str) -> object:
        if name == "__version__":
            value: object = _version()
        elif name in _LAZY:
            module = importlib.import_module(_LAZY[name])
            value = module if name in _SUBMODULES else getattr(module, name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value  # later lookups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})

    class _Package(types.ModuleType):
        """`pysynth.dedup` stays the function, as it was when this file imported it eagerly: the first
        import of the module `pysynth.dedup` (by anyone) would otherwise rebind the name to that module."""

        def __setattr__(self, name: str, value: object) -> None:
            if isinstance(value, types.ModuleType) and name in _LAZY and name not in _SUBMODULES:
                return  # the submodule `pysynth.dedup`, named like the function
            super().__setattr__(name, value)

    sys.modules[__name__].__class__ = _Package
