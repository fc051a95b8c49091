"""`pysynth steps` reads every built-in's columns off its class: no step is left without them."""

from __future__ import annotations

import pytest

from pysynth.steps import BUILTIN_STEPS
from pysynth.steps.catalog import describe_step


@pytest.mark.parametrize("name", list(BUILTIN_STEPS))
def test_every_built_in_step_says_what_it_reads_and_writes(name: str) -> None:
    info = describe_step(name)
    assert info.inputs and info.outputs and "?" not in (info.inputs, info.outputs), info
    assert info.summary, f"{name}: its class has no docstring to summarise it"


def test_columns_of_steps_with_fixed_columns_come_from_the_built_step() -> None:
    assert describe_step("quest_inputs").outputs == "inputs, inputs_dropped, model_name"
    assert describe_step("quest_teacher").outputs == "distill_prompt, distill_answer, model_name"
    assert describe_step("quest_sample_prompts").outputs.startswith("only ")  # new rows, not the seeds
    assert describe_step("keep_columns").outputs == "only `columns`"
