"""Concepts of a problem, as QueST extracts them: broad "topics" and fine "knowledge points".

Names are normalized so that one concept is one graph node whatever the model's spelling:
Unicode NFKC, lowercase, possessive "'s" dropped, every non-alphanumeric character a space,
whitespace collapsed, a trailing "algorithm"/"technique"/"method" dropped, the last word made
singular ("segment trees" -> "segment tree"), then `ALIASES` maps abbreviations and synonyms
to one spelling. Only the last word is singularized: it is the head of an English noun phrase
("prefix sums"), while earlier words ending in "s" are rarely plurals; words of three letters
are kept whole ("bfs", "lis"). Aliases match whole names only ("dp on trees" stays as it is)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from pysynth.quest.answers import final_answer, first_json

ALIASES: dict[str, str] = {
    "dp": "dynamic programming",
    "bfs": "breadth first search",
    "dfs": "depth first search",
    "dsu": "disjoint set union",
    "union find": "disjoint set union",
    "disjoint set": "disjoint set union",
    "binary indexed tree": "fenwick tree",
    "bit manipulation": "bitmask",
    "bit mask": "bitmask",
    "segtree": "segment tree",
    "lca": "lowest common ancestor",
    "gcd": "greatest common divisor",
    "lcm": "least common multiple",
    "mst": "minimum spanning tree",
    "scc": "strongly connected component",
    "math": "mathematics",
    "maths": "mathematics",
    "sorting": "sort",
    "two pointer": "two pointers",
    "dijkstra": "dijkstra shortest path",
}
"""Normalized spelling -> canonical concept. Keys and values are already normalized."""

_TRAILING_NOUNS = ("algorithm", "technique", "method")
_IRREGULAR = {"vertices": "vertex", "indices": "index", "matrices": "matrix"}
_KEEP_WHOLE = ("ss", "us", "is", "ics", "series")
_SHORTEST_PLURAL = 4


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= _SHORTEST_PLURAL - 1 or not word.endswith("s") or word.endswith(_KEEP_WHOLE):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def normalize_concept(name: str) -> str:
    """The canonical spelling of a concept name; "" when nothing alphanumeric remains."""
    text = unicodedata.normalize("NFKC", name).lower().replace("'s", " ").replace("\u2019s", " ")
    words = re.sub(r"[\W_]+", " ", text).split()
    if len(words) > 1 and _singular(words[-1]) in _TRAILING_NOUNS:
        words.pop()
    if words:
        words[-1] = _singular(words[-1])
    joined = " ".join(words)
    return ALIASES.get(joined, joined)


EXTRACTION_PROMPT = """Read the competitive-programming problem below and name the concepts needed to solve it.
- "topics": 1 to 3 broad areas of algorithms or mathematics the problem belongs to.
- "knowledge_points": 2 to 6 specific algorithms, data structures or facts a solution of THIS problem uses.
Use short standard names (a few words each), not sentences and not words from the problem's story. \
Answer with one JSON object and nothing else: {{"topics": [...], "knowledge_points": [...]}}

Problem:
{statement}"""
# No example names: shown "graph theory" and "prefix sums", small models name them for every problem.


def render_extraction_prompt(statement: str) -> str:
    return EXTRACTION_PROMPT.format(statement=statement.strip())


class ExtractionRejection(StrEnum):
    UNFINISHED_REASONING = "the answer stops inside its <think> section"
    NO_JSON_OBJECT = "no JSON object in the answer"
    MISSING_FIELD = "a required field is missing or not a list"
    NON_STRING_ITEM = "a concept is not a string"
    CONCEPT_TOO_LONG = "a concept is longer than the limit (a sentence, not a name)"
    NO_CONCEPTS = "a field has no usable concept"


@dataclass(frozen=True)
class ConceptExtraction:
    topics: tuple[str, ...]
    knowledge_points: tuple[str, ...]
    """Both normalized, deduplicated in order of appearance, capped."""

    @property
    def concepts(self) -> frozenset[str]:
        """The problem's concept set (topics and knowledge points) for graph and Jaccard use."""
        return frozenset(self.topics) | frozenset(self.knowledge_points)


@dataclass(frozen=True)
class ExtractionRejected:
    reason: ExtractionRejection
    detail: str


FIELDS = ("topics", "knowledge_points")
# How many of each an answer may give: the parser's caps and the JSON schema the model is held to.
MAX_TOPICS = 5
MAX_KNOWLEDGE_POINTS = 10
MAX_CONCEPT_CHARS = 80


def _field_key(key: str) -> str:
    return re.sub(r"[\s\-]+", "_", key.strip().lower()).replace("knowledgepoints", "knowledge_points")


def _concepts(items: list[object], field: str, cap: int, max_chars: int) -> tuple[str, ...] | ExtractionRejected:
    kept: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            return ExtractionRejected(ExtractionRejection.NON_STRING_ITEM, f"{field}: {item!r}"[:120])
        if len(item) > max_chars:
            return ExtractionRejected(ExtractionRejection.CONCEPT_TOO_LONG, f"{field}: {item[:max_chars]!r}...")
        name = normalize_concept(item)
        if name:
            kept[name] = None
    if not kept:
        return ExtractionRejected(ExtractionRejection.NO_CONCEPTS, f"{field}: {items!r}"[:120])
    return tuple(kept)[:cap]


def parse_concept_extraction(
    answer: str,
    *,
    max_topics: int = MAX_TOPICS,
    max_knowledge_points: int = MAX_KNOWLEDGE_POINTS,
    max_concept_chars: int = MAX_CONCEPT_CHARS,
) -> ConceptExtraction | ExtractionRejected:
    """Parse `{"topics": [...], "knowledge_points": [...]}` from the first JSON object after any
    reasoning section (prose and code fences around it are ignored; key spelling is forgiving:
    "Knowledge Points", "knowledge-points", "knowledgePoints"). Never raises on a bad answer."""
    text = final_answer(answer)
    if text is None:
        return ExtractionRejected(ExtractionRejection.UNFINISHED_REASONING, answer[-120:])
    found = first_json(text, dict)
    if not isinstance(found, dict):
        return ExtractionRejected(ExtractionRejection.NO_JSON_OBJECT, answer[:120])
    fields = {_field_key(str(key)): value for key, value in found.items()}
    parsed: list[tuple[str, ...]] = []
    for field, cap in zip(FIELDS, (max_topics, max_knowledge_points)):
        items = fields.get(field)
        if not isinstance(items, list):
            return ExtractionRejected(ExtractionRejection.MISSING_FIELD, f"{field}: {items!r}"[:120])
        names = _concepts(items, field, cap, max_concept_chars)
        if isinstance(names, ExtractionRejected):
            return names
        parsed.append(names)
    return ConceptExtraction(topics=parsed[0], knowledge_points=parsed[1])
