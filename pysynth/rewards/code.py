"""`code_reward`: the sandboxed judge as a reward function for trl's `GRPOTrainer`.

    from pysynth import code_reward
    trainer = GRPOTrainer(model=..., reward_funcs=[code_reward(scoring="pass_rate")], train_dataset=rl_rows)

trl calls a reward function as `reward(prompts=..., completions=..., **columns)`: one completion
per rollout, and every other dataset column as a list aligned with them. For each completion the
reward takes the program (`pysynth.quest.code.extract_code`: the last fenced block after any
reasoning), judges it on its row's tests (`pysynth.rewards.cases`; compared by the row's
`comparator` column where it has one) and scores it:
- `pass_rate`: the share of tests Accepted, a dense signal;
- `all_pass`: 1.0 when every test is Accepted, else 0.0. The judge stops each program at its first
  failing test (`stop_on_first_failure`), which is where all-pass rewards save most of their time.
A completion without a program scores 0.0, and so does one the judge faulted on (a sandbox that
broke is not the model's fault, but a training step should not die of it); both are counted in
`stats`, and reported to trl's metrics when it passes `log_metric`.

Speed: the batch is judged at once, one judge call per group of consecutive completions of one row
(a prompt's generations: their programs compile in one batch) from a thread pool as large as the
judge pool (the native pool releases the GIL), each call leasing `pool size / groups` sandboxes, so
a batch of many prompts runs one group per sandbox and a lone group spreads over all of them.
Nothing starts on construction: the pool (`judge.shared_pool`, one per process and sandbox) and
the threads are made on the first call, and a pickled reward (trl's multi-process setups) carries
its settings only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from pysynth import judge
from pysynth.errors import ConfigError, InputError
from pysynth.judge import Comparison, JudgeConfig, Language
from pysynth.problems.call import call_program
from pysynth.quest.code import NoCode, extract_code
from pysynth.rewards.cases import RowTests, row_tests
from pysynth.rewards.completions import NO_ASSISTANT_MESSAGE, Completion, completion_text

Scoring = Literal["pass_rate", "all_pass"]
SCORINGS: tuple[Scoring, ...] = ("pass_rate", "all_pass")
CALL_NEEDS_PYTHON = "functional tests need a Python program"
# A row may name any comparison but a checker's, which needs a checker program the row cannot carry.
ROW_COMPARATORS: tuple[Comparison, ...] = tuple(name for name in get_args(Comparison) if name != "checker")


@dataclass
class RewardStats:
    """What the reward has done so far: every completion is `scored`; of those, `no_code` had no
    program to judge (why: `no_code_reasons`), `judged` ran in the judge, and `errors` of those met
    a judge fault (the last one's message: `last_error`)."""

    scored: int = 0
    no_code: int = 0
    judged: int = 0
    errors: int = 0
    no_code_reasons: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None


@dataclass
class _Group:
    """Consecutive completions of one row (trl puts a prompt's generations side by side): one
    judge call, which compiles their programs in one batch and shares the sandboxes' warm state."""

    tests: RowTests
    indices: list[int] = field(default_factory=list)
    programs: list[judge.Solution] = field(default_factory=list)


class CodeReward:
    """A trl reward function (`completions, **columns -> list[float]`); see the module docstring."""

    def __init__(self, *, scoring: Scoring = "pass_rate", tests_column: str = "tests", fn_name_column: str = "fn_name",
                 metadata_column: str = "metadata", comparator_column: str | None = "comparator",
                 language: Language | None = None,
                 comparator: Comparison | None = None, max_tests: int | None = None, name: str = "code_reward",
                 config: JudgeConfig | None = None, pool: judge.Pool | None = None) -> None:
        if scoring not in SCORINGS:
            raise ConfigError(f"scoring: {scoring!r} is not one of {', '.join(SCORINGS)}")
        if max_tests is not None and max_tests < 1:
            raise ConfigError(f"max_tests: must be at least 1 (got {max_tests})")
        base = config or (pool.config if pool is not None else JudgeConfig.build())
        self.config = JudgeConfig.build(base, stop_on_first_failure=scoring == "all_pass")
        self.scoring = scoring
        self.tests_column, self.fn_name_column, self.metadata_column = tests_column, fn_name_column, metadata_column
        self.comparator_column = comparator_column
        self.language, self.comparator, self.max_tests = language, comparator, max_tests
        self.__name__ = name  # trl logs a reward under its function's name: rewards/<name>/mean
        self.stats = RewardStats()
        self._pool = pool
        self._threads: ThreadPoolExecutor | None = None
        self._calls: dict[tuple[Comparison, int], JudgeConfig] = {}
        self._lock = threading.Lock()

    def __call__(self, completions: Sequence[Completion], **columns: Any) -> list[float]:
        if self.tests_column not in columns:
            given = ", ".join(sorted(name for name in columns if name not in _TRL_EXTRAS)) or "none"
            raise ConfigError(f"tests_column: the batch has no {self.tests_column!r} column (columns: {given})")
        rows = self._row_tests(len(completions), columns)
        scores = [0.0] * len(completions)
        groups: list[_Group] = []
        no_code: Counter[str] = Counter()
        for index, completion in enumerate(completions):
            found = self._program(completion, index, rows[index])
            if isinstance(found, str):
                no_code[found] += 1
                continue
            if not groups or groups[-1].tests is not rows[index]:
                groups.append(_Group(rows[index]))
            groups[-1].indices.append(index)
            groups[-1].programs.append(found)
        outcomes = self._judge(groups)
        faults = [message for _, _, message in outcomes if message is not None]
        for index, score, _ in outcomes:
            scores[index] = score
        with self._lock:
            self.stats.scored += len(completions)
            self.stats.no_code += sum(no_code.values())
            self.stats.no_code_reasons.update(no_code)
            self.stats.judged += len(outcomes)
            self.stats.errors += len(faults)
            self.stats.last_error = faults[-1] if faults else self.stats.last_error
        log_metric = columns.get("log_metric")
        if callable(log_metric) and completions:
            log_metric(f"{self.__name__}/no_code", sum(no_code.values()) / len(completions))
            log_metric(f"{self.__name__}/judge_errors", len(faults) / len(completions))
        return scores

    def _row_tests(self, count: int, columns: dict[str, Any]) -> list[RowTests]:
        """Each completion's tests; trl repeats a row once per generation, so a value equal to the
        previous one is not parsed again."""
        values, names, metadata = (self._column(columns, name, count) for name in
                                   (self.tests_column, self.fn_name_column, self.metadata_column))
        comparators = self._column(columns, self.comparator_column, count) if self.comparator_column else [None] * count
        parsed: list[RowTests] = []
        previous: tuple[object, object, object, object] | None = None
        for row in range(count):
            key = (values[row], names[row], metadata[row], comparators[row])
            if previous is None or key != previous:
                tests = row_tests(key[0], row=row, column=self.tests_column, fn_name=key[1], metadata=key[2],
                                  max_tests=self.max_tests)
                if key[3] is not None:
                    tests = replace(tests, comparator=self._comparator(key[3], row))
                previous = key
            parsed.append(tests)
        return parsed

    def _comparator(self, value: object, row: int) -> Comparison:
        if value not in ROW_COMPARATORS:
            raise InputError(f"row {row}: {self.comparator_column}: {value!r} is not a comparator the reward can "
                             f"use ({', '.join(ROW_COMPARATORS)}); pass comparator_column=None to ignore the column")
        return value  # narrowed by the membership test

    @staticmethod
    def _column(columns: dict[str, Any], name: str, count: int) -> Sequence[object]:
        value = columns.get(name)
        if value is None:
            return [None] * count
        if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != count:
            size = len(value) if isinstance(value, Sequence) else type(value).__name__
            raise ConfigError(f"column {name!r}: expected one value per completion ({count}), got {size}")
        return value

    def _program(self, completion: Completion, index: int, tests: RowTests) -> judge.Solution | str:
        """The program to judge, or why there is none."""
        text = completion_text(completion, index)
        if text is None:
            return NO_ASSISTANT_MESSAGE
        found = extract_code(text, self.language)
        if isinstance(found, NoCode):
            return found.reason.value
        if tests.fn_name is None:
            return found
        if found.language != "python":
            return CALL_NEEDS_PYTHON
        return judge.Solution("python", call_program(found.source, tests.fn_name))

    def _judge(self, groups: list[_Group]) -> list[tuple[int, float, str | None]]:
        """(completion index, score, fault message or None) of each program, the groups judged
        concurrently, each on `pool size / groups` sandboxes (at least one)."""
        if not groups:
            return []
        pool, threads = self._resources()
        lease = max(1, pool.size // len(groups))

        def one(group: _Group) -> list[tuple[int, float, str | None]]:
            comparator: Comparison = "call" if group.tests.fn_name else (
                group.tests.comparator or self.comparator or self.config.comparator)
            result = pool.run(group.programs, group.tests.tests, self._call(comparator, lease))
            scored = []
            for solution, index in enumerate(group.indices):
                cells = [*result.compiles[solution:solution + 1], *result.runs[solution]]
                fault = next((f"{cell.fault}: {cell.fault_message}" for cell in cells if cell.fault), None)
                rate = result.pass_rates[solution] if result.pass_rates else 0.0
                score = 0.0 if fault else (rate if self.scoring == "pass_rate" else float(rate == 1.0))
                scored.append((index, score, fault))
            return scored

        return [outcome for outcomes in threads.map(one, groups) for outcome in outcomes]

    def _call(self, comparator: Comparison, lease: int) -> JudgeConfig:
        key = (comparator, lease)
        with self._lock:
            if key not in self._calls:
                self._calls[key] = JudgeConfig.build(self.config, comparator=comparator, workers=lease)
            return self._calls[key]

    def _resources(self) -> tuple[judge.Pool, ThreadPoolExecutor]:
        with self._lock:
            if self._pool is None or self._pool.closed:
                self._pool = judge.shared_pool(self.config)
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self._pool.size, thread_name_prefix=self.__name__)
            return self._pool, self._threads

    def close(self) -> None:
        """Stops the reward's threads (the shared pool stays for the process; it closes at exit)."""
        with self._lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update(_pool=None, _threads=None, _calls={}, _lock=None, stats=RewardStats())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock())


# Keyword arguments trl passes besides the dataset's columns.
_TRL_EXTRAS = frozenset({"prompts", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments"})


_REWARD_SETTINGS = frozenset({"fn_name_column", "metadata_column", "comparator_column", "comparator", "max_tests",
                               "name"})


def code_reward(*, scoring: Scoring = "pass_rate", tests_column: str = "tests", language: Language | None = None,
                config: JudgeConfig | None = None, pool: judge.Pool | None = None, **settings: Any) -> CodeReward:
    """A trl `GRPOTrainer` reward function that judges each completion's program on its row's tests.

    `scoring`: "pass_rate" or "all_pass" (with early exit); `tests_column`: where the tests are;
    `language`: the language of unlabelled code fences (default: Python, or C++ when the code looks
    like it). Reward settings: `fn_name_column`, `metadata_column`, `comparator_column` (a row's own
    comparator of stdin outputs, as in MicroCoder's RL export; it wins over `comparator`; None: ignore
    the column), `comparator` (of stdin tests; default the config's, "tokens"), `max_tests`, `name`. Any other keyword is a `JudgeConfig`
    option applied to `config` (or to `pool`'s config): `code_reward(time_limit="1s")`."""
    reward_settings = {name: value for name, value in settings.items() if name in _REWARD_SETTINGS}
    judge_options = {name: value for name, value in settings.items() if name not in _REWARD_SETTINGS}
    if judge_options:
        config = JudgeConfig.build(config or (pool.config if pool is not None else None), **judge_options)
    return CodeReward(scoring=scoring, tests_column=tests_column, language=language, config=config, pool=pool,
                      **reward_settings)
