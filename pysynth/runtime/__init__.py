"""pysynth's streaming, checkpointing executor of compiled pipelines.

`run_pipeline` and `PipelineResult` are imported on first use (PEP 562): steps import small pieces of
this package (`pysynth.runtime.frames`), and compiling a pipeline must not load the executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pysynth.runtime.run import PipelineResult, run_pipeline

__all__ = ["PipelineResult", "run_pipeline"]

if not TYPE_CHECKING:  # hidden from type checkers, which would otherwise accept any attribute

    def __getattr__(name: str) -> object:
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from pysynth.runtime import run

        value = getattr(run, name)
        globals()[name] = value
        return value
