"""Concept graph of the seeds, random walks over it, and one generation prompt per walk."""

# No `from __future__ import annotations`: distilabel inspects `process`'s real `StepInput` annotation.
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from distilabel.steps import GlobalStep, StepInput
from pydantic import Field, PrivateAttr

from pysynth.errors import InputError
from pysynth.quest.fewshot import ConceptSeed, choose_few_shot, render_generation_prompt
from pysynth.steps.base import Row

if TYPE_CHECKING:
    from distilabel.typing import StepOutput


class QuestSamplePrompts(GlobalStep):
    """Builds the concept graph from every seed's `concepts` and `difficulty` (edge weight
    log(alpha * freq + (1 - alpha) * diff + eps)), or loads `load_graph`; writes it to `save_graph`;
    samples `prompts` distinct concept sets by random walks of at most `max_steps` steps starting at
    a uniformly chosen topic; and renders each set's prompt with the `few_shot` seeds closest to it
    (Jaccard similarity of concept sets). Output rows: prompt_id, concepts, few_shot_ids,
    generation_prompt."""

    passthrough: ClassVar[bool] = False  # new rows, not the seeds
    prompts: int = Field(default=100, ge=1, description="Concept sets (generation prompts) to sample.")
    max_steps: int = Field(default=6, ge=0, description="Steps of each random walk.")
    alpha: float = Field(default=0.2, ge=0, le=1, description="Weight of co-occurrence against difficulty.")
    eps: float = Field(default=1e-6, gt=0, description="Keeps the logarithm finite.")
    few_shot: int = Field(default=2, ge=0, description="Seed problems shown in each prompt.")
    start: str = Field(default="topics", pattern="^(topics|concepts)$",
                       description="Walks start at a topic (the paper) or at any concept.")
    seed: int = Field(default=0, ge=0, description="Random seed of the walks.")
    load_graph: str | None = Field(default=None, description="Reuse a graph saved by an earlier run (Parquet); "
                                   "relative paths start at the pipeline file.")
    save_graph: str | None = Field(default="concept_graph.parquet", description="Write the graph here (Parquet "
                                   "edge list); relative paths are inside the run's output folder.")

    # Files the step reads (`pysynth.steps.base.path_params`): resolved, checked and hashed by content.
    path_params: ClassVar[tuple[str, ...]] = ("load_graph",)

    _output_dir: Path | None = PrivateAttr(default=None)

    def bind_output_dir(self, output_dir: Path) -> None:
        """Called by `pysynth run` before the run: where relative artifact paths go."""
        self._output_dir = output_dir

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["seed_id", "statement", "concepts", "topics", "difficulty"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["prompt_id", "concepts", "few_shot_ids", "generation_prompt"]

    def produce(self, rows: list[Row]) -> list[Row]:
        """The prompt rows made from all seed rows (pysynth's executor numbers them)."""
        from pysynth.quest.concept_graph import ConceptGraph  # numpy, polars: not needed to validate a pipeline

        if not rows:
            raise InputError("no seed survived concept extraction: nothing to build a concept graph from")
        if self.load_graph:
            graph = ConceptGraph.load(self.load_graph)
        else:
            graph = ConceptGraph.from_seeds([row["concepts"] for row in rows], [row["difficulty"] for row in rows],
                                            alpha=self.alpha, eps=self.eps)
        if self.save_graph:
            graph.save((self._output_dir or Path.cwd()) / self.save_graph)
        known = set(graph.nodes)
        starts = None
        if self.start == "topics":
            starts = sorted({topic for row in rows for topic in row["topics"]} & known) or None
        walks = graph.sample_walks(self.prompts, start_nodes=starts, max_steps=self.max_steps, seed=self.seed)
        seeds = [ConceptSeed(str(row["seed_id"]), str(row["statement"]), frozenset(row["concepts"])) for row in rows]
        produced = []
        for index, walk in enumerate(walks):
            concepts = sorted(set(walk))
            examples = [choice.seed for choice in choose_few_shot(seeds, set(concepts), self.few_shot)] \
                if self.few_shot else []
            produced.append({"prompt_id": f"p{index}", "concepts": concepts,
                             "few_shot_ids": [seed.id for seed in examples],
                             "generation_prompt": render_generation_prompt(concepts, examples)})
        return produced

    def process(self, inputs: StepInput) -> "StepOutput":  # type: ignore[override]
        yield self.produce(list(inputs))
