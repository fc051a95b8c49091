"""Running the judge: `run` (one call on a temporary pool) and `Pool` (warm sandboxes shared by
concurrent calls), plus the one pool per process that judge-backed pipeline steps share.

The box model (see rust/judge): every worker of a pool is one sandbox identity, a uid locked
host-wide with its own cgroups and its own warm zygote; every call leases workers for its whole
duration and gets its own `mkdtemp` directory; every run gets a fresh PID namespace, a private
/tmp and its call's directory at /work. So concurrent calls, in threads or processes, never
share a uid, a cgroup or a scratch directory.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from pysynth import _native
from pysynth.errors import ConfigError
from pysynth.judge.config import SANDBOX_FIELDS, JudgeConfig, Solution, Test
from pysynth.judge.results import JudgeResult


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _native_inputs(solutions: Sequence[Solution], tests: Sequence[Test]) -> tuple[list[Any], list[Any]]:
    return (
        [(s.language, s.source) for s in solutions],
        [(_as_bytes(t.input), None if t.expected is None else _as_bytes(t.expected)) for t in tests],
    )


def run(
    solutions: Sequence[Solution], tests: Sequence[Test], config: JudgeConfig | None = None, **options: Any
) -> JudgeResult:
    """Compile each solution once, run it on every test in the sandbox, compare and vote. Starts
    and stops its own sandboxes; use a `Pool` to keep them warm across calls."""
    config = JudgeConfig.build(config, **options)
    return JudgeResult.from_native(_native.judge(*_native_inputs(solutions, tests), config))


class Pool:
    """Warm sandboxes (`config.workers` of them, started on first use) shared by concurrent calls.
    Thread-safe; a context manager. `pool.run(solutions, tests)` returns what `run` returns; each
    call leases up to `workers` sandboxes for its duration, waiting while all are leased. A
    sandbox whose run broke it (its zygote died or stopped answering) is replaced."""

    def __init__(self, config: JudgeConfig | None = None, **options: Any) -> None:
        self.config = JudgeConfig.build(config, **options)
        self._native = _native.JudgePool(self.config)

    def run(
        self, solutions: Sequence[Solution], tests: Sequence[Test], config: JudgeConfig | None = None, **options: Any
    ) -> JudgeResult:
        """`config`/`options` may change the call's limits, comparison, checker, early exit and
        lease size, not the sandbox the pool was built with."""
        call = self.config if config is None and not options else JudgeConfig.build(config or self.config, **options)
        if call.sandbox_key() != self.config.sandbox_key():
            differing = [name for name in SANDBOX_FIELDS if getattr(call, name) != getattr(self.config, name)]
            raise ConfigError(f"{', '.join(differing)}: a pool's calls cannot change its sandbox; use another Pool")
        return JudgeResult.from_native(self._native.run(*_native_inputs(solutions, tests), call))

    @property
    def size(self) -> int:
        return int(self._native.size)

    @property
    def workers_replaced(self) -> int:
        """Sandboxes dropped as broken and started anew so far."""
        return int(self._native.workers_replaced)

    def zygote_pids(self) -> list[int]:
        """The pids of the idle sandboxes' warm interpreters."""
        return list(self._native.zygote_pids())

    @property
    def closed(self) -> bool:
        return bool(self._native.closed)

    def close(self) -> None:
        """Stops the sandboxes once no call is using them any more."""
        self._native.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


_SHARED: dict[tuple[Any, ...], Pool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(config: JudgeConfig) -> Pool:
    """The process's pool for `config`'s sandbox and size, made on first use and closed at exit.
    Judge-backed steps take theirs here, so a run keeps one set of warm sandboxes per process;
    each call still leases its own, so concurrent batches stay isolated. Keyed by pid too: a
    forked child makes its own (its parent's sandboxes are not its children)."""
    key = (os.getpid(), config.workers, *config.sandbox_key())
    with _SHARED_LOCK:
        pool = _SHARED.get(key)
        if pool is None or pool.closed:
            pool = _SHARED[key] = Pool(config)
        return pool


@atexit.register
def _close_shared_pools() -> None:
    with _SHARED_LOCK:
        pools = [pool for key, pool in _SHARED.items() if key[0] == os.getpid()]
        _SHARED.clear()
    for pool in pools:
        pool.close()
