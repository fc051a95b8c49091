"""The pipeline YAML: schema (pydantic models) and loading with file:line:column errors."""

from pysynth.spec.loader import LoadedSpec, describe_errors, did_you_mean, load_spec
from pysynth.spec.models import DefaultsSpec, ExportSpec, LLMSpec, PipelineSpec, StepSpec
from pysynth.spec.source import FieldPath, SourceMap, format_path

__all__ = [
    "DefaultsSpec",
    "ExportSpec",
    "FieldPath",
    "LLMSpec",
    "LoadedSpec",
    "PipelineSpec",
    "SourceMap",
    "StepSpec",
    "describe_errors",
    "did_you_mean",
    "format_path",
    "load_spec",
]
