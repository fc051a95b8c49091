"""Test inputs for a generated problem: written out by the LLM, or produced by running an input
generator program the LLM wrote. Either way each candidate is validated and a rejected one is
kept with its reason, so the run's stats can say why problems ended up with few tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from pysynth import judge
from pysynth.config import FrozenConfig
from pysynth.quest.answers import fenced_blocks, final_answer, first_json

INPUT_KEYS = ("inputs", "test_inputs", "tests")
"""Keys under which an answer shaped as a JSON object may list its inputs."""


INPUTS_PROMPT = """Write {count} test inputs for the programming problem below. Each input must satisfy \
every constraint and the input format exactly. Cover edge cases (smallest values, equal values, \
extremes) and a few larger, tricky cases, but keep each input under a few kilobytes.
Answer with one JSON object and nothing else: {{"inputs": [...]}} holding {count} strings. Each string is \
one complete input: every line the program reads from standard input, in order, separated by "\\n" \
inside the one string (never one line per string).

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
    NOT_A_STRING = "not a string"
    EMPTY = "empty"
    TOO_LARGE = "larger than max_bytes"
    DUPLICATE = "same as an earlier input"
    OVER_LIMIT = "more than max_inputs"
    GENERATOR_FAILED = "the generator did not finish validly"
    NO_INPUTS_FOUND = "no JSON list and no fenced block in the answer"


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
    """Keep the candidates that are non-empty strings within `max_bytes`, not seen before (after
    normalizing line ends and trailing spaces), at most `max_inputs` of them. Each kept input
    ends with exactly one newline, which line-reading programs expect."""
    limits = limits or InputLimits()
    kept: dict[str, None] = {}
    dropped: list[DroppedInput] = []
    for candidate in candidates:
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


def _json_inputs(text: str) -> list[object] | None:
    found = first_json(text, dict)
    if isinstance(found, dict):
        listed = next((found[key] for key in INPUT_KEYS if isinstance(found.get(key), list)), None)
        if listed is not None:
            return list(listed)
    found = first_json(text, list)
    # A list with no string in it is more likely an input's own content, e.g. "[1, 2]".
    return found if isinstance(found, list) and any(isinstance(item, str) for item in found) else None


def parse_test_inputs(answer: str, limits: InputLimits | None = None) -> CheckedInputs:
    """Inputs from an LLM answer: a JSON list of strings (or an object with an "inputs" list)
    anywhere in the text, else every fenced block as one input."""
    text = final_answer(answer) or ""
    listed = _json_inputs(text)
    if listed is None:
        listed = [block.body for block in fenced_blocks(text) if block.closed and block.label != "json"]
    if not listed:
        return CheckedInputs((), (DroppedInput(answer[:200], DropReason.NO_INPUTS_FOUND),))
    return validate_inputs(listed, limits)


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
