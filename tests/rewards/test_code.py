"""pysynth.rewards.code_reward: trl's reward signature, pass rate vs all-pass, completions without
code counted, LiveCodeBench stdin and functional rows, malformed rows, and a batch judged at once
scoring what each completion scores alone."""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pysynth
from pysynth import judge as J
from pysynth.errors import ConfigError, InputError
from pysynth.rewards import CodeReward, code_reward

LIMITS: dict[str, Any] = {"time_limit": "0.5s", "wall_time_limit": "1.5s", "memory_limit": "128M"}
TESTS = [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in (1, 2, 3, 4)]


def fenced(source: str, label: str = "python") -> str:
    return f"Here is my solution.\n\n```{label}\n{source}\n```\n"


CORRECT = fenced("print(int(input()) * 2)")
HALF = fenced("n = int(input())\nprint(2 * n if n % 2 else 0)")  # right on 1 and 3 of 4 tests
WRONG = fenced("print(0)")
CPP = fenced('#include <cstdio>\nint main(){long n; scanf("%ld", &n); printf("%ld\\n", 2 * n);}', "cpp")
NO_CODE = "I think the answer is to double the number."


@pytest.fixture(scope="module")
def pool() -> Iterator[J.Pool]:
    with J.Pool(J.JudgeConfig.build(workers=2, **LIMITS)) as shared:
        yield shared


def test_code_reward_is_reexported_lazily_from_pysynth() -> None:
    assert pysynth.code_reward is code_reward and "code_reward" in pysynth.__all__


def test_plain_completions_score_their_pass_rate(pool: J.Pool) -> None:
    reward = code_reward(pool=pool)
    completions = [CORRECT, HALF, WRONG, CPP]
    assert reward(completions, tests=[TESTS] * 4) == [1.0, 0.5, 0.0, 1.0]
    assert (reward.stats.scored, reward.stats.judged, reward.stats.no_code, reward.stats.errors) == (4, 4, 0, 0)


def test_conversational_completions_are_judged_on_the_last_assistant_message(pool: J.Pool) -> None:
    reward = code_reward(pool=pool)
    conversations = [[{"role": "assistant", "content": CORRECT}],
                     [{"role": "assistant", "content": CORRECT}, {"role": "user", "content": "shorter?"},
                      {"role": "assistant", "content": HALF}]]
    assert reward(conversations, tests=[TESTS] * 2, prompts=[[{"role": "user", "content": "double"}]] * 2) == [1.0, 0.5]


def test_all_pass_scores_one_only_when_every_test_passes(pool: J.Pool) -> None:
    reward = code_reward(pool=pool, scoring="all_pass")
    assert reward([CORRECT, HALF, WRONG], tests=[TESTS] * 3) == [1.0, 0.0, 0.0]
    assert reward.config.stop_on_first_failure


def test_all_pass_stops_a_program_at_its_first_failing_test(pool: J.Pool) -> None:
    # Wrong on the first test, then slow on the 5 others: judged to the end, that is 5 time limits
    # of 0.5 s on 2 sandboxes, at least 1.5 s.
    slow_after_one = fenced("n = int(input())\nif n == 1:\n    print(0)\nelse:\n    while True:\n        pass")
    tests = [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in range(1, 7)]
    started = time.perf_counter()
    assert code_reward(pool=pool, scoring="all_pass")([slow_after_one], tests=[tests]) == [0.0]
    assert time.perf_counter() - started < 1.0, "all_pass ran the tests after the first failure"


def test_a_completion_without_code_scores_zero_and_is_counted_with_its_reason(pool: J.Pool) -> None:
    reward = code_reward(pool=pool)
    completions = [NO_CODE, CORRECT, "```python\nprint(1)\n", [{"role": "user", "content": "hi"}]]
    assert reward(completions, tests=[TESTS] * 4) == [0.0, 1.0, 0.0, 0.0]
    assert (reward.stats.no_code, reward.stats.judged, reward.stats.scored) == (3, 1, 4)
    assert reward.stats.no_code_reasons == {"no fenced code block": 1, "the conversation has no assistant message": 1,
                                            "the last code block is not closed (truncated answer)": 1}


def test_language_names_unlabelled_fences(pool: J.Pool) -> None:
    unlabelled_js = fenced("const n = Number(require('fs').readFileSync(0, 'utf8'));\nconsole.log(2 * n);", "")
    assert code_reward(pool=pool, language="javascript")([unlabelled_js], tests=[TESTS]) == [1.0]
    assert code_reward(pool=pool)([unlabelled_js], tests=[TESTS]) == [0.0]  # guessed Python: a syntax error


def test_trl_passes_metrics_a_reward_reports_its_no_code_share_to(pool: J.Pool) -> None:
    logged: dict[str, float] = {}
    reward = code_reward(pool=pool, name="judge")
    reward([NO_CODE, CORRECT], tests=[TESTS] * 2, log_metric=logged.__setitem__)
    assert logged == {"judge/no_code": 0.5, "judge/judge_errors": 0.0}
    assert reward.__name__ == "judge"


LIVECODEBENCH = Path(__file__).resolve().parents[1] / "problems" / "fixtures" / "livecodebench.jsonl"


def livecodebench_row(question_id: str) -> dict[str, Any]:
    rows = [json.loads(line) for line in LIVECODEBENCH.read_text().splitlines()]
    return next(row for row in rows if row["question_id"] == question_id)


def test_livecodebench_stdin_rows_are_judged_from_their_json_text(pool: J.Pool) -> None:
    row = livecodebench_row("abc900_a")
    vowels = fenced("print(sum(c in 'aeiou' for c in input()))")
    reward = code_reward(pool=pool, tests_column="public_test_cases", comparator="lcb")
    assert reward([vowels, WRONG], public_test_cases=[row["public_test_cases"]] * 2) == [1.0, 0.0]


def test_livecodebench_functional_rows_call_the_function_metadata_names(pool: J.Pool) -> None:
    row = livecodebench_row("9001")
    two_sum = fenced("class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n"
                     "        for i, x in enumerate(nums):\n            if target - x in seen:\n"
                     "                return [seen[target - x], i]\n            seen[x] = i")
    cpp_answer = fenced("int main() { return 0; }", "cpp")
    reward = code_reward(pool=pool, tests_column="public_test_cases")
    columns = {"public_test_cases": [row["public_test_cases"]] * 3, "metadata": [row["metadata"]] * 3}
    assert reward([two_sum, fenced("class Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]"),
                   cpp_answer], **columns) == [1.0, 0.0, 0.0]
    assert reward.stats.no_code_reasons == {"functional tests need a Python program": 1}


def test_each_row_is_compared_by_its_own_comparator_column(pool: J.Pool) -> None:
    """MicroCoder's RL export names each problem's comparator: a float answer printed with other
    digits passes under `float` (its row), not under the default `tokens` (the row without one)."""
    halves = [{"input": f"{n}\n", "output": f"{n / 2:.6f}\n"} for n in (1, 3)]
    rounded = fenced("print(round(int(input()) / 2, 3))")
    reward = code_reward(pool=pool)
    assert reward([rounded, rounded], tests=[halves] * 2, comparator=["float", None]) == [1.0, 0.0]
    assert code_reward(pool=pool, comparator_column=None)([rounded], tests=[halves], comparator=["float"]) == [0.0]
    with pytest.raises(InputError, match=r"^row 1: comparator: 'checker' is not a comparator the reward can use"):
        reward([rounded, rounded], tests=[halves] * 2, comparator=["float", "checker"])


def test_a_malformed_tests_value_raises_naming_its_row_and_column(pool: J.Pool) -> None:
    with pytest.raises(InputError, match=r"^row 1: tests: not JSON"):
        code_reward(pool=pool)([CORRECT, CORRECT], tests=[TESTS, "[{"])


def test_a_batch_without_the_tests_column_names_the_columns_it_has(pool: J.Pool) -> None:
    with pytest.raises(ConfigError, match=r"no 'tests' column \(columns: problem\)"):
        code_reward(pool=pool)([CORRECT], problem=["double it"], trainer_state=[None])


def test_bad_settings_are_refused_when_made() -> None:
    with pytest.raises(ConfigError, match="scoring"):
        code_reward(scoring="mean")  # type: ignore[arg-type]


def test_many_completions_at_once_score_as_each_does_alone(pool: J.Pool) -> None:
    programs = [CORRECT, HALF, WRONG, NO_CODE, fenced("while True:\n    pass"), fenced("raise SystemExit(3)")]
    completions = [programs[index % len(programs)] for index in range(18)]
    # Rows in runs of 3 equal values, as trl repeats a row per generation: those are judged as one group.
    rows = [[dict(test) for test in TESTS[: 1 + (index // 3) % len(TESTS)]] for index in range(18)]
    quick = J.JudgeConfig.build(pool.config, time_limit="0.2s", wall_time_limit="0.6s")
    for scoring in ("pass_rate", "all_pass"):
        reward = code_reward(pool=pool, config=quick, scoring=scoring)
        alone = [reward([completion], tests=[row])[0] for completion, row in zip(completions, rows)]
        assert reward(completions, tests=rows) == alone, scoring
        assert reward.stats.scored == 36 and reward.stats.errors == 0


def test_the_default_reward_takes_the_processes_shared_pool_on_first_call() -> None:
    reward = code_reward()
    assert reward._pool is None, "a reward must not start sandboxes when it is made"
    assert reward([CORRECT], tests=[TESTS[:1]]) == [1.0]
    assert reward._pool is J.shared_pool(reward.config)


def test_a_pickled_reward_carries_its_settings_not_its_pool(pool: J.Pool) -> None:
    reward = code_reward(pool=pool, scoring="all_pass", name="judge")
    reward([CORRECT], tests=[TESTS[:1]])
    copy = pickle.loads(pickle.dumps(reward))
    assert isinstance(copy, CodeReward) and copy.scoring == "all_pass" and copy.__name__ == "judge"
    assert copy._pool is None and copy.stats.scored == 0
    assert copy([CORRECT], tests=[TESTS[:1]]) == [1.0]
