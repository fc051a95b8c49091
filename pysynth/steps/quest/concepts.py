"""QueST stage 1: the concepts of each seed problem (topics and knowledge points), from the LLM as JSON."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from pysynth.quest.concepts import (
    MAX_KNOWLEDGE_POINTS,
    MAX_TOPICS,
    ExtractionRejected,
    parse_concept_extraction,
    render_extraction_prompt,
)
from pysynth.quest.schemas import ConceptAnswer
from pysynth.steps.base import Dropped, Row
from pysynth.steps.llm.stage import LLMStage, stage_outputs


class QuestConcepts(LLMStage):
    """`statement` -> topics, knowledge_points and concepts (their union, normalized); answers are
    constrained to `ConceptAnswer`'s JSON schema, and a malformed one drops the seed under
    `concepts: <reason>`."""

    answer_schema: ClassVar[type[BaseModel] | None] = ConceptAnswer
    max_topics: int = Field(default=MAX_TOPICS, ge=1, description="Topics kept per seed.")
    max_knowledge_points: int = Field(default=MAX_KNOWLEDGE_POINTS, ge=1, description="Knowledge points kept per seed.")

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return ["statement"]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return stage_outputs("topics", "knowledge_points", "concepts")

    def prompt(self, row: Row) -> str:
        return render_extraction_prompt(str(row["statement"]))

    def parse(self, answer: str | None, row: Row) -> Row | Dropped:
        parsed = parse_concept_extraction(answer or "", max_topics=self.max_topics,
                                          max_knowledge_points=self.max_knowledge_points)
        if isinstance(parsed, ExtractionRejected):
            return Dropped(f"concepts: {parsed.reason.value}")
        return {"topics": list(parsed.topics), "knowledge_points": list(parsed.knowledge_points),
                "concepts": sorted(parsed.concepts)}
