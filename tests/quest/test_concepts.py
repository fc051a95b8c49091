"""pysynth.quest.concepts: concept names merge across spellings; extraction answers parse or are
rejected with a reason, never with an exception."""

from __future__ import annotations

import pytest

from pysynth.quest import concepts

Rejection = concepts.ExtractionRejection

SAME_CONCEPT = [
    (["Segment Trees", "segment-tree", " segment   tree ", "SEGMENT_TREES", "segtree"], "segment tree"),
    (["DP", "dp", "Dynamic Programming", "dynamic-programming"], "dynamic programming"),
    (["Two Pointers", "two-pointer technique", "two pointers"], "two pointers"),
    (["Union-Find", "DSU", "disjoint sets", "Disjoint Set Union"], "disjoint set union"),
    (["Binary Indexed Trees", "Fenwick tree", "fenwick trees"], "fenwick tree"),
    (["Dijkstra's algorithm", "Dijkstra", "dijkstra algorithm"], "dijkstra shortest path"),
    (["queries", "query"], "query"),
    (["Greedy Algorithms", "greedy", "greedy method"], "greedy"),
    (["vertices", "vertex"], "vertex"),
    (["prefix sums", "Prefix-Sum"], "prefix sum"),
]


@pytest.mark.parametrize(("spellings", "canonical"), SAME_CONCEPT, ids=[c for _, c in SAME_CONCEPT])
def test_spellings_of_one_concept_merge(spellings: list[str], canonical: str) -> None:
    assert {concepts.normalize_concept(name) for name in spellings} == {canonical}


@pytest.mark.parametrize("name", ["bfs", "lis", "combinatorics", "analysis", "series", "bitmask", "algorithm"])
def test_words_that_only_look_plural_are_kept(name: str) -> None:
    assert concepts.normalize_concept(name) in (name, concepts.ALIASES.get(name))


def test_normalization_is_idempotent_and_aliases_are_canonical() -> None:
    for canonical in concepts.ALIASES.values():
        assert concepts.normalize_concept(canonical) == canonical, canonical
    for spellings, canonical in SAME_CONCEPT:
        assert concepts.normalize_concept(concepts.normalize_concept(spellings[0])) == canonical
    assert concepts.normalize_concept(" -- ") == ""


def test_a_clean_answer_parses_normalized_deduplicated_and_capped() -> None:
    answer = """Here is my analysis.
```json
{"topics": ["Graphs", "graph", "Dynamic Programming"],
 "Knowledge Points": ["BFS", "bitmasks", "Bitmask", "shortest paths", "DP", "a", "b"]}
```"""
    result = concepts.parse_concept_extraction(answer, max_topics=5, max_knowledge_points=4)
    assert result == concepts.ConceptExtraction(
        topics=("graph", "dynamic programming"),
        knowledge_points=("breadth first search", "bitmask", "shortest path", "dynamic programming"),
    )
    assert isinstance(result, concepts.ConceptExtraction)
    assert result.concepts == {"graph", "dynamic programming", "breadth first search", "bitmask", "shortest path"}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I cannot find any concepts.", Rejection.NO_JSON_OBJECT),
        ('{"topics": ["graphs"]}', Rejection.MISSING_FIELD),
        ('{"topics": "graphs", "knowledge_points": ["bfs"]}', Rejection.MISSING_FIELD),
        ('{"topics": ["graphs", 3], "knowledge_points": ["bfs"]}', Rejection.NON_STRING_ITEM),
        ('{"topics": [{"name": "graphs"}], "knowledge_points": ["bfs"]}', Rejection.NON_STRING_ITEM),
        ('{"topics": ["graphs"], "knowledge_points": ["' + "very long " * 20 + '"]}', Rejection.CONCEPT_TOO_LONG),
        ('{"topics": ["!!", ""], "knowledge_points": ["bfs"]}', Rejection.NO_CONCEPTS),
        ('{"topics": ["graphs"], "knowledge_points": []}', Rejection.NO_CONCEPTS),
        ('<think>{"topics": ["graphs"], "knowledge_points": ["bfs"]}', Rejection.UNFINISHED_REASONING),
    ],
)
def test_malformed_answers_are_rejected_with_their_reason(answer: str, reason: Rejection) -> None:
    result = concepts.parse_concept_extraction(answer)
    assert isinstance(result, concepts.ExtractionRejected), result
    assert result.reason == reason, result.detail


def test_extraction_prompt_carries_the_statement_and_the_json_shape() -> None:
    prompt = concepts.render_extraction_prompt("  Count the paths in a grid.\n")
    assert prompt.endswith("Problem:\nCount the paths in a grid.")
    assert '{"topics": [...], "knowledge_points": [...]}' in prompt
    assert "graph theory" not in prompt  # small models copy example names onto every problem


def test_reasoning_is_skipped_and_key_spellings_are_forgiven() -> None:
    answer = '<think>Maybe {"topics": ["strings"]}?</think>{"Topics": ["trees"], "knowledgePoints": ["LCA"]}'
    assert concepts.parse_concept_extraction(answer) == concepts.ConceptExtraction(
        topics=("tree",), knowledge_points=("lowest common ancestor",)
    )
