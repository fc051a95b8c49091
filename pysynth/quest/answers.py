"""Reading the parts of a model answer that QueST parses: the final answer after any reasoning,
fenced code blocks, and the first JSON value embedded in prose.

These never raise on malformed text: a model that ignores the format is a normal event, and the
caller turns "nothing found" into a typed drop reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
FENCE = "```"
_DECODER = json.JSONDecoder()


def final_answer(text: str) -> str | None:
    """The text after the last `</think>`; the whole text when there is no reasoning section;
    None when a `<think>` section was opened and never closed (the answer was cut off while the
    model was still reasoning, so any code in it is a draft)."""
    if THINK_CLOSE in text:
        return text.rsplit(THINK_CLOSE, 1)[1]
    return None if THINK_OPEN in text else text


@dataclass(frozen=True)
class FencedBlock:
    label: str
    """The info string's first word, lowercased ("python", "c++", "" when unlabeled)."""
    body: str
    closed: bool
    """False for a block still open at the end of the text (a truncated answer)."""


def fenced_blocks(text: str) -> list[FencedBlock]:
    """Markdown fenced blocks in order. A fence line is one whose stripped text starts with three
    backticks; the first opens a block (its label follows the backticks), the next closes it."""
    blocks: list[FencedBlock] = []
    label: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith(FENCE):
            if label is not None:
                body.append(line)
            continue
        if label is None:
            words = stripped[len(FENCE):].strip().split()
            label, body = (words[0].lower() if words else ""), []
        else:
            blocks.append(FencedBlock(label, "\n".join(body) + "\n" if body else "", closed=True))
            label = None
    if label is not None:
        blocks.append(FencedBlock(label, "\n".join(body) + "\n" if body else "", closed=False))
    return blocks


def first_json(text: str, kind: type[dict[str, object]] | type[list[object]]) -> object | None:
    """The first JSON object (`kind=dict`) or array (`kind=list`) that decodes at some opening
    bracket of `text`, skipping brackets in prose that start no valid JSON; None if there is none."""
    opener = "{" if kind is dict else "["
    start = text.find(opener)
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, kind):
            return value
        start = text.find(opener, start + 1)
    return None


# "### Problem 2", "## Example problem 3: Title", "**Problem 1**": how a generator that was shown
# numbered example problems labels the one it writes, and every extra one it goes on to write.
_PROBLEM_HEADING = re.compile(
    r"^(?:#+|\*\*)?[ \t]*(?:new[ \t]+)?(?:example[ \t]+)?problem\b(?:[ \t]*\d+[ \t]*[:.]?|[ \t]*:)[ \t]*(?:\*\*)?[ \t]*",
    re.IGNORECASE)
_LATER_PROBLEM = re.compile(r"^(?:#+|\*\*)[ \t]*(?:new[ \t]+)?(?:example[ \t]+)?problem[ \t]+\d+\b",
                            re.IGNORECASE | re.MULTILINE)
# Where a problem has ended and something else begins: the generation prompt repeated back, or a
# program (a statement shows data in unlabelled fences; a ```python block is a solution).
_AFTER_PROBLEM = re.compile(
    r"^[ \t]*(?:now write the new problem|write only the problem|here(?:'s| is)\b[^\n]{0,24}\b(?:code|solution|program)\b"
    r"|```[ \t]*(?:python3?|py|c\+\+|cpp|java|go|rust|javascript|js)[ \t]*$)", re.IGNORECASE | re.MULTILINE)


def single_problem(text: str) -> str:
    """The first problem of a generator's answer, without the numbered heading it copied from the
    few-shot examples (a title after the heading stays), and without what small models write after
    it: a second and third problem, the prompt's instructions echoed back, or a solution."""
    text = text.strip()
    heading = _PROBLEM_HEADING.match(text)
    if heading:
        text = text[heading.end():].lstrip()
    ends = [found.start() for found in (_LATER_PROBLEM.search(text, 1), _AFTER_PROBLEM.search(text, 1)) if found]
    return text[:min(ends)].rstrip() if ends else text
