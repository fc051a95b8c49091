"""pysynth.quest.inputs: inputs written by an LLM or printed by a generator program (run in the
real judge), validated with a reason for every dropped one."""

from __future__ import annotations

import pytest

from pysynth.judge import JudgeConfig, Solution
from pysynth.quest import inputs

Drop = inputs.DropReason


def reasons(checked: inputs.CheckedInputs) -> list[Drop]:
    return [dropped.reason for dropped in checked.dropped]


def test_validation_normalizes_and_drops_with_reasons() -> None:
    candidates = ["3\r\n1 2 3", "3\n1 2 3  \n\n", "", "  \n", 7, "x" * 50, "2\n5 5", "1\n9", "1\n8"]
    checked = inputs.validate_inputs(candidates, inputs.InputLimits(max_inputs=3, max_bytes=40))
    assert checked.kept == ("3\n1 2 3\n", "2\n5 5\n", "1\n9\n")
    assert reasons(checked) == [
        Drop.DUPLICATE, Drop.EMPTY, Drop.EMPTY, Drop.NOT_A_STRING, Drop.TOO_LARGE, Drop.OVER_LIMIT,
    ]
    assert checked.dropped[3] == inputs.DroppedInput("7", Drop.NOT_A_STRING)


@pytest.mark.parametrize(
    "answer",
    [
        'Here are the tests:\n["1\\n5", "2\\n3 4"]',
        '```json\n{"inputs": ["1\\n5", "2\\n3 4"]}\n```',
        "Test 1:\n```\n1\n5\n```\nTest 2:\n```text\n2\n3 4\n```",
        '<think>maybe ["9"]</think>["1\\n5", "2\\n3 4"]',
    ],
    ids=["json-list", "json-object", "fenced-blocks", "after-reasoning"],
)
def test_answer_formats_give_the_same_inputs(answer: str) -> None:
    assert inputs.parse_test_inputs(answer) == inputs.CheckedInputs(("1\n5\n", "2\n3 4\n"), ())


def test_a_list_without_strings_is_input_content_not_a_list_of_inputs() -> None:
    assert inputs.parse_test_inputs("```\n[1, 2, 3]\n```").kept == ("[1, 2, 3]\n",)


def test_non_string_items_are_dropped_one_by_one() -> None:
    checked = inputs.parse_test_inputs('["4", 4, null, "4"]')
    assert checked.kept == ("4\n",)
    assert reasons(checked) == [Drop.NOT_A_STRING, Drop.NOT_A_STRING, Drop.DUPLICATE]


def test_inputs_written_as_lists_of_lines_are_joined_one_input_each() -> None:
    checked = inputs.parse_test_inputs('{"inputs": [["3", "1 2 3"], ["1", "7"], ["3", "1 2 3"], [2, "x"]]}')
    assert checked.kept == ("3\n1 2 3\n", "1\n7\n")
    assert reasons(checked) == [Drop.DUPLICATE, Drop.NOT_A_STRING]
    assert inputs.parse_test_inputs('[["2", "5 5"]]').kept == ("2\n5 5\n",)
    assert inputs.parse_test_inputs("```\n[[1, 2], [3, 4]]\n```").kept == ("[[1, 2], [3, 4]]\n",), "content, not inputs"


def test_an_answer_cut_off_at_max_tokens_keeps_the_inputs_it_finished() -> None:
    runaway = '{"inputs": [["3", "1 2 3"], ["2", "5 5"], ["1000", "1000 1000 1000 1000 1000 10'
    checked = inputs.parse_test_inputs(runaway)
    assert checked.kept == ("3\n1 2 3\n", "2\n5 5\n")
    assert reasons(checked) == [Drop.CUT_OFF] and checked.dropped[0].input.startswith('["1000"')
    # Cut off after a complete item, nothing is lost; cut off inside the first, nothing is kept.
    assert inputs.parse_test_inputs('{"inputs": ["4", "5"').kept == ("4\n", "5\n")
    assert reasons(inputs.parse_test_inputs('{"inputs": ["4", "5"')) == []
    first = inputs.parse_test_inputs('{"inputs": [["7", "1 1 1 1 1 1')
    assert first.kept == () and reasons(first) == [Drop.CUT_OFF]


def test_the_written_inputs_schema_bounds_lines_and_their_length() -> None:
    from pysynth.quest.schemas import inputs_answer

    schema = inputs_answer(4, 12, 120).model_json_schema()["properties"]["inputs"]
    assert (schema["minItems"], schema["maxItems"]) == (4, 4)
    assert (schema["items"]["minItems"], schema["items"]["maxItems"]) == (1, 12)
    assert schema["items"]["items"] == {"type": "string", "maxLength": 120}


def test_an_answer_without_inputs_says_so() -> None:
    checked = inputs.parse_test_inputs("I would test small and large cases.")
    assert checked.kept == () and reasons(checked) == [Drop.NO_INPUTS_FOUND]


def test_prompts_name_the_count_and_the_seed_protocol() -> None:
    inputs_prompt = inputs.render_inputs_prompt("P", 7)
    assert "Write 7 test inputs" in inputs_prompt and "holding 7 inputs" in inputs_prompt
    assert "reads a single integer seed from standard input" in inputs.render_generator_prompt("P")


FAST = JudgeConfig.build(time_limit="300ms", wall_time_limit="600ms")
GENERATOR = """import random
seed = int(input())
if seed == 3:
    raise SystemExit(2)
if seed == 4:
    while True:
        pass
rng = random.Random(seed % 5)
n = rng.randint(1, 6)
print(n)
print(*[rng.randint(1, 100) for _ in range(n)])
"""


def test_generator_runs_once_per_seed_in_the_judge() -> None:
    checked = inputs.generate_inputs(Solution("python", GENERATOR), seeds=[1, 2, 3, 4, 6], config=FAST)
    assert len(checked.kept) == 2, checked
    for text in checked.kept:
        count, values = text.splitlines()
        assert len(values.split()) == int(count)
    # Seed 6 repeats seed 1 (6 % 5 == 1); seeds 3 and 4 fail in the sandbox.
    assert [(d.input, d.reason, d.detail) for d in checked.dropped] == [
        ("seed 3", Drop.GENERATOR_FAILED, "RuntimeError"),
        ("seed 4", Drop.GENERATOR_FAILED, "TimeLimitExceeded"),
        (checked.kept[0], Drop.DUPLICATE, ""),
    ]


def test_generator_output_is_taken_whole_and_checked_against_max_bytes() -> None:
    big = Solution("python", "n = int(input())\nprint('7 ' * (40000 * n))")
    checked = inputs.generate_inputs(big, seeds=[1, 2], limits=inputs.InputLimits(max_bytes=100_000))
    assert [len(text) for text in checked.kept] == [80_000]  # beyond the judge's 64 KiB report cut
    assert reasons(checked) == [Drop.TOO_LARGE]


def test_a_generator_that_does_not_compile_drops_every_seed() -> None:
    checked = inputs.generate_inputs(Solution("cpp", "int main( {"), seeds=[1, 2])
    assert checked.kept == ()
    assert [(d.reason, d.detail) for d in checked.dropped] == [(Drop.GENERATOR_FAILED, "CompileError")] * 2
