"""pysynth's streaming, checkpointing executor of compiled pipelines."""

from pysynth.runtime.run import RunResult, run_pipeline

__all__ = ["RunResult", "run_pipeline"]
