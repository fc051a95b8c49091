"""Final answers of math solutions: extraction, equivalence and the majority over equivalence classes.

- The final answer is the content of the LAST `\\boxed{...}` (or `\\fbox{...}`) of a text, read with
  balanced braces so `\\boxed{\\frac{1}{2}}` yields `\\frac{1}{2}`; the brace-less `\\boxed 5` (a
  form models write, and that the MATH graders read) yields `5`. When the last box is cut off
  (unbalanced: the answer hit its token limit) there is no final: an earlier box is a step, not the
  answer. An empty box is no final either.
- Two finals are equivalent when their normalised texts are equal, or when HF `math-verify` parses
  both and verifies them (`1/2` ~ `0.5`, `2\\sqrt{2}` ~ `\\sqrt{8}`, sets, intervals). What it cannot
  parse falls back to the normalised text alone. math-verify runs in a helper process with a
  deadline (`verifier.py`): some finals make sympy compute without end.
- The majority is taken over equivalence classes, not strings: `1/2`, `0.5` and `\\frac12` are one
  vote of three. Ties go to the class seen first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pysynth.scalequest.verifier import verified_equal

BOX_COMMANDS = ("\\boxed", "\\fbox")
_BARE_BOX = re.compile(r"\\(?:boxed|fbox)\s+([^\s${}]+)")
_NORMALISE_DROPS = re.compile(r"\\left|\\right|\\[,!;: ]|\s+|\$")
_FRACTIONS = re.compile(r"\\[dt]frac")
_TEXT_WRAPPER = re.compile(r"^\\(?:text|mathrm|textbf)\{(.*)\}$")


def extract_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}`/`\\fbox{...}` (or `\\boxed 5`), stripped; None when there is none."""
    start = max(text.rfind(command) for command in BOX_COMMANDS)
    if start < 0:
        return None
    command = next(command for command in BOX_COMMANDS if text.startswith(command, start))
    rest = text[start + len(command):]
    stripped = rest.lstrip()
    if not stripped.startswith("{"):
        bare = _BARE_BOX.match(text, start)
        return (bare.group(1).rstrip(".,;") or None) if bare else None
    content = _balanced(stripped)
    if content is None:
        return None
    return content.strip() or None


def _balanced(text: str) -> str | None:
    """What the opening brace at text[0] encloses, or None when it is never closed."""
    depth = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[1:index]
    return None


def normalise(answer: str) -> str:
    """The comparison text of a final: no spacing commands, `$`, `\\left`/`\\right`, trailing period,
    `\\text{...}` wrapper or case; `\\dfrac`/`\\tfrac` read as `\\frac`."""
    text = _NORMALISE_DROPS.sub("", answer)
    text = _FRACTIONS.sub(r"\\frac", text).rstrip(".")
    wrapped = _TEXT_WRAPPER.match(text)
    if wrapped:
        text = wrapped.group(1)
    return text.lower()


@dataclass(frozen=True)
class MathAnswer:
    """A final answer read once: its text and its normalised text."""

    text: str
    normalised: str


def read_answer(text: str) -> MathAnswer:
    """`text` (a final answer, not a whole solution) read for comparison."""
    return MathAnswer(text=text, normalised=normalise(text))


def answers_equivalent(gold: MathAnswer, other: MathAnswer) -> bool:
    """Whether `other` states `gold`'s answer: the normalised texts are equal, or math-verify (in its
    helper process, `pysynth.scalequest.verifier`) verifies `other` with `gold` as the gold."""
    return gold.normalised == other.normalised or verified_equal(gold.text, other.text)


def equivalent(gold: str, other: str) -> bool:
    """`answers_equivalent` of two final-answer texts."""
    return answers_equivalent(read_answer(gold), read_answer(other))


def equivalence_classes(answers: Sequence[MathAnswer]) -> list[list[int]]:
    """Indices of `answers` grouped by equivalence to each class's first member, in first-seen order."""
    classes: list[list[int]] = []
    for index, answer in enumerate(answers):
        home = next((members for members in classes if answers_equivalent(answers[members[0]], answer)), None)
        if home is None:
            classes.append([index])
        else:
            home.append(index)
    return classes


@dataclass(frozen=True)
class Majority:
    """The largest equivalence class: its first member's text and its size."""

    answer: str
    votes: int


def majority(answers: Sequence[str]) -> Majority | None:
    """The majority final over equivalence classes (ties: the class seen first); None without answers."""
    read = [read_answer(answer) for answer in answers]
    classes = equivalence_classes(read)
    if not classes:
        return None
    largest = max(classes, key=len)  # max keeps the first of equal sizes
    return Majority(answer=read[largest[0]].text, votes=len(largest))
