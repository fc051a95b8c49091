"""pysynth's streaming, checkpointing executor of compiled pipelines."""

from pysynth.runtime.run import PipelineResult, run_pipeline

__all__ = ["PipelineResult", "run_pipeline"]
