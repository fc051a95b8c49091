"""Question preference optimization (QPO) data: an optimizer model rewrites a sampled question.

Two objectives, each with its own prompt (ours): `solvability` makes the question well-posed and
solvable, `difficulty` makes it harder while keeping it solvable. The authors' prompts
(yyDing1/ScaleQuest `src/train_question_generator/question_optim/prompts.py`) carry names that look
swapped relative to what they ask for; ours are named by what they do. With `mix`, each row's
objective is drawn from a hash of its id and a seed, so a rerun asks the same thing of the same row.

The rewrite is the text after the last `Rewritten question:` line, as the authors take the text after
their last marker (`split(marker)[-1]` in `optim_solvability.py`); the pair is chosen = rewrite,
rejected = original (a pre-release script of theirs; what METHODS.md records).
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

Objective = Literal["solvability", "difficulty"]
ObjectiveChoice = Literal["solvability", "difficulty", "mix"]

MARKER = "Rewritten question:"
# The marker at the start of a line, maybe dressed as markdown ("### Rewritten question:", "**Rewritten question:**").
_MARKER_LINE = re.compile(r"^[ \t#>*_]*rewritten question[ \t*_]*:[ \t*_]*", re.IGNORECASE | re.MULTILINE)

_ANSWER_FORMAT = (
    "First explain in a few sentences what you change and why. Then write a line that starts with "
    f'"{MARKER}" followed by the rewritten question only: no solution, no answer, no comments after it.'
)

PROMPTS: dict[Objective, str] = {
    "solvability": (
        "Below is a math question written by an automatic question generator. Such questions are often "
        "ill-posed: a quantity is missing, conditions contradict each other, the wording is ambiguous, or "
        "what is asked has no single well-defined answer.\n\n"
        "Rewrite the question so that it is a well-posed, self-contained math problem with exactly one "
        "well-defined answer that can be found by reasoning step by step. Make the smallest changes that "
        "achieve this, and keep its topic and its level of difficulty.\n\n"
        "Question:\n{question}\n\n" + _ANSWER_FORMAT
    ),
    "difficulty": (
        "Below is a math question written by an automatic question generator.\n\n"
        "Rewrite it into a harder problem: one that needs more reasoning steps, combines the idea with a "
        "second concept, or replaces a given quantity with something that must be derived first. The new "
        "problem must stay well-posed, self-contained and solvable, with exactly one well-defined answer. "
        "Do not make it harder only by using larger numbers or more words.\n\n"
        "Question:\n{question}\n\n" + _ANSWER_FORMAT
    ),
}


def rewrite_prompt(objective: Objective, question: str) -> str:
    return PROMPTS[objective].replace("{question}", question)


def objective_for(row_key: str, choice: ObjectiveChoice, mix_ratio: float, seed: int) -> Objective:
    """The objective asked of one row: `choice` itself, or for `mix` solvability with probability
    `mix_ratio`, drawn from sha256(seed, key) so that it is the same on every run and machine."""
    if choice != "mix":
        return choice
    digest = hashlib.sha256(f"{seed}\x00{row_key}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return "solvability" if draw < mix_ratio else "difficulty"


def parse_rewrite(answer: str) -> str | None:
    """The text after the last marker line, stripped (None: no marker, or nothing after it)."""
    markers = list(_MARKER_LINE.finditer(answer))
    if not markers:
        return None
    rewritten = answer[markers[-1].end():].strip().strip("*").strip()  # a closing "**" of a bold marker line
    return rewritten or None


def normalised(text: str) -> str:
    """Runs of whitespace as one space, ends stripped: a rewrite that only re-spaced is unchanged."""
    return " ".join(text.split())
