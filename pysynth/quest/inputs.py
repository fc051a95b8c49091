"""Test inputs for a generated problem: written out by the LLM, or produced by running an input
generator program the LLM wrote. Either way each candidate is validated and a rejected one is
kept with its reason, so the run's stats can say why problems ended up with few tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from pysynth import judge
from pysynth.config import FrozenConfig
from pysynth.quest.answers import fenced_blocks, final_answer, first_json

INPUT_KEYS = ("inputs", "test_inputs", "tests")
"""Keys under which an answer shaped as a JSON object may list its inputs."""
_DECODER = json.JSONDecoder()


INPUTS_PROMPT = """Write {count} test inputs for the programming problem below. Each input must satisfy \
every constraint and the input format exactly. Cover edge cases (smallest values, equal values, \
extremes) and a few larger, tricky cases, but keep each input under a few kilobytes.
Answer with one JSON object and nothing else: {{"inputs": [[...], [...], ...]}} holding {count} inputs. \
Each input is the list of the lines the program reads from standard input, in order, one string per \
line: an input whose first line is a count and whose second line holds the numbers is written as two \
strings, the count and then the numbers. Make each input fit this problem's own input format.

{problem}"""

GENERATOR_PROMPT = """Write a Python 3 program that generates one random test input for the programming \
problem below. It reads a single integer seed from standard input, seeds its random generator with \
it (the same seed must give the same input) and prints one complete input that satisfies every \
constraint and the input format exactly. Vary the sizes with the seed, from tiny to large, but \
keep the output under a megabyte. Put the program in a single ```python block.

{problem}"""


def render_inputs_prompt(problem: str, count: int) -> str:
    return INPUTS_PROMPT.format(count=count, problem=problem.strip())


def render_generator_prompt(problem: str) -> str:
    return GENERATOR_PROMPT.format(problem=problem.strip())


class InputLimits(FrozenConfig):
    max_inputs: int = Field(default=10, ge=1)
    """M: inputs beyond this many are dropped (the first ones are kept)."""
    max_bytes: int = Field(default=1 << 20, ge=1)


class DropReason(StrEnum):
    NOT_A_STRING = "not a string or a list of lines"
    EMPTY = "empty"
    TOO_LARGE = "larger than max_bytes"
    DUPLICATE = "same as an earlier input"
    OVER_LIMIT = "more than max_inputs"
    GENERATOR_FAILED = "the generator did not finish validly"
    NO_INPUTS_FOUND = "no JSON list and no fenced block in the answer"
    CUT_OFF = "cut off unfinished (the answer reached max_tokens)"


@dataclass(frozen=True)
class DroppedInput:
    input: str
    """The first 200 characters of the candidate (for a failed generator run: its seed)."""
    reason: DropReason
    detail: str = ""


@dataclass(frozen=True)
class CheckedInputs:
    kept: tuple[str, ...]
    dropped: tuple[DroppedInput, ...]


def validate_inputs(candidates: Iterable[object], limits: InputLimits | None = None) -> CheckedInputs:
    """Keep the candidates that are non-empty strings (or lists of lines, joined) within `max_bytes`,
    not seen before (after normalizing line ends and trailing spaces), at most `max_inputs` of them.
    Each kept input ends with exactly one newline, which line-reading programs expect."""
    limits = limits or InputLimits()
    kept: dict[str, None] = {}
    dropped: list[DroppedInput] = []
    for candidate in candidates:
        if _is_lines(candidate):
            candidate = "\n".join(candidate)  # type: ignore[arg-type]  # _is_lines checked every item
        if not isinstance(candidate, str):
            dropped.append(DroppedInput(repr(candidate)[:200], DropReason.NOT_A_STRING))
            continue
        lines = candidate.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"
        reason = (
            DropReason.EMPTY if not text.strip()
            else DropReason.TOO_LARGE if len(text.encode()) > limits.max_bytes
            else DropReason.DUPLICATE if text in kept
            else DropReason.OVER_LIMIT if len(kept) >= limits.max_inputs
            else None
        )
        if reason is None:
            kept[text] = None
        else:
            dropped.append(DroppedInput(candidate[:200], reason))
    return CheckedInputs(tuple(kept), tuple(dropped))


def _is_lines(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(line, str) for line in value)


def _json_object_inputs(text: str) -> list[object] | None:
    found = first_json(text, dict)
    if isinstance(found, dict):
        listed = next((found[key] for key in INPUT_KEYS if isinstance(found.get(key), list)), None)
        if listed is not None:
            return list(listed)
    return None


def _json_list_inputs(text: str) -> list[object] | None:
    found = first_json(text, list)
    # A list with no string in it is more likely an input's own content, e.g. "[1, 2]".
    if isinstance(found, list) and any(isinstance(item, str) or _is_lines(item) for item in found):
        return found
    return None


_INPUTS_OPENING = re.compile(r'\{\s*"(?:' + "|".join(INPUT_KEYS) + r')"\s*:\s*\[')


def _finished_inputs(text: str) -> tuple[list[object], str] | None:
    """The inputs an answer cut off at max_tokens finished before it stopped, and the unfinished
    rest: `{"inputs": ["1", "2", "3333...` keeps "1" and "2". None when no inputs list was begun."""
    opening = _INPUTS_OPENING.search(text)
    if opening is None:
        return None
    items: list[object] = []
    position = opening.end()
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            item, position = _DECODER.raw_decode(text, position)
        except ValueError:
            return items, text[position:]
        items.append(item)


def parse_test_inputs(answer: str, limits: InputLimits | None = None) -> CheckedInputs:
    """Inputs from an LLM answer: an object with an "inputs" list (of strings, or of lists of lines)
    anywhere in the text, or the inputs such an object finished before the answer was cut off (the
    unfinished rest is dropped as CUT_OFF), or a JSON list of strings, else every fenced block as
    one input."""
    text = final_answer(answer) or ""
    listed = _json_object_inputs(text)
    cut_off: tuple[DroppedInput, ...] = ()
    if listed is None and (finished := _finished_inputs(text)) is not None:
        listed, rest = finished
        cut_off = (DroppedInput(rest[:200], DropReason.CUT_OFF),) if rest.strip(" \t\r\n]}") else ()
    if listed is None:
        listed = _json_list_inputs(text)
    if listed is None:
        listed = [block.body for block in fenced_blocks(text) if block.closed and block.label != "json"]
    if not listed:
        return CheckedInputs((), cut_off or (DroppedInput(answer[:200], DropReason.NO_INPUTS_FOUND),))
    checked = validate_inputs(listed, limits)
    return CheckedInputs(checked.kept, checked.dropped + cut_off)


def generate_inputs(
    generator: judge.Solution,
    seeds: Sequence[int],
    limits: InputLimits | None = None,
    config: judge.JudgeConfig | None = None,
) -> CheckedInputs:
    """Run the generator program once per seed, the seed written to its stdin as one line, and
    validate its outputs as inputs. Runs that do not finish validly (compile error, crash, time
    or output limit, judge fault) are dropped as GENERATOR_FAILED with the verdict as detail."""
    config = config or judge.JudgeConfig.build()
    result = judge.shared_pool(config).run([generator], [judge.Test(f"{seed}\n") for seed in seeds], config)
    outputs: list[object] = []
    failures: list[DroppedInput] = []
    for seed, cell, vote in zip(seeds, result.runs[0], result.votes):
        if cell.verdict == judge.Verdict.FINISHED and vote.output is not None:
            # The vote keeps the whole output; `cell.stdout` is cut at `report_bytes`.
            outputs.append(vote.output.decode(errors="replace"))
        else:
            detail = cell.verdict.value if cell.verdict else f"{cell.fault}: {cell.fault_message}"
            failures.append(DroppedInput(f"seed {seed}", DropReason.GENERATOR_FAILED, detail))
    validated = validate_inputs(outputs, limits)
    return CheckedInputs(validated.kept, tuple(failures) + validated.dropped)
