"""Parse the concept-extraction answer into normalized topics and knowledge points."""

from __future__ import annotations

from pydantic import Field

from pysynth.quest.concepts import MAX_KNOWLEDGE_POINTS, MAX_TOPICS, ExtractionRejected, parse_concept_extraction
from pysynth.steps.base import Dropped, Row, RowResult, RowStep


class QuestParseConcepts(RowStep):
    """`column` (the model's JSON answer) -> topics, knowledge_points and concepts (their union);
    a malformed answer drops the seed under `concepts: <reason>`."""

    column: str = Field(default="concepts_answer", description="The extraction answer.")
    max_topics: int = Field(default=MAX_TOPICS, ge=1)
    max_knowledge_points: int = Field(default=MAX_KNOWLEDGE_POINTS, ge=1)

    @property
    def inputs(self) -> list[str]:  # type: ignore[override]
        return [self.column]

    @property
    def outputs(self) -> list[str]:  # type: ignore[override]
        return ["topics", "knowledge_points", "concepts"]

    def transform(self, row: Row) -> RowResult:
        parsed = parse_concept_extraction(str(row.get(self.column) or ""), max_topics=self.max_topics,
                                          max_knowledge_points=self.max_knowledge_points)
        if isinstance(parsed, ExtractionRejected):
            return Dropped(f"concepts: {parsed.reason.value}")
        return {**row, "topics": list(parsed.topics), "knowledge_points": list(parsed.knowledge_points),
                "concepts": sorted(parsed.concepts)}
