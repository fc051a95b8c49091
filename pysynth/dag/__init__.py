"""A pipeline spec compiled to a distilabel DAG: `compile` builds and checks it, `checks` holds the
graph-wide checks (inputs, order, columns), `llm` resolves each LLM step's endpoint or server, and
`user_modules` holds the pipeline's folder on `sys.path` only while its modules are imported."""

from pysynth.dag.compile import CompiledPipeline, StepKind, StepNode, compile_pipeline, distilabel_yaml

__all__ = ["CompiledPipeline", "StepKind", "StepNode", "compile_pipeline", "distilabel_yaml"]
