"""A step's batches as tasks of Ray actors (`workers: {backend: ray, size, address, num_cpus}`).

Each actor loads the step once (a judge step keeps its warm sandboxes) and runs the same call as a
worker process, `run_in_worker(build, rows, retries)`; the driver commits every result exactly as
for local batches, so checkpoints, fingerprints and resume do not know Ray was there. Rows are sent
by value with the task, and results come back the same way: the driver stays the only writer.

A lost actor (its process or node died, or a batch ran past `row_timeout_s` x rows and the actor
was killed) is replaced, and its batch is tried again and then halved like a worker process's
(`BisectingPool`), so only the rows to blame fail. A cluster that cannot be reached, or is lost
mid-run, fails the run with one line; its committed batches stay, and `--resume` goes on from them.

Code: the actors import pysynth and the step's module, so both must be installed on every node (the
same image or environment as the driver); the driver's `sys.path` is passed to each actor and its
entries that exist on the actor's node are added (a pipeline's own modules, on a shared filesystem).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from typing import Any

from pysynth.errors import ConfigError, PipelineRunError
from pysynth.runtime.frames import Row
from pysynth.runtime.kernels import BatchResult
from pysynth.runtime.workers.pool import BisectingPool
from pysynth.runtime.workers.process import RowTimedOut, WorkerDied, WorkerLost

DEFAULT_ADDRESS = "auto"
LOCAL = "local"


class ActorDied(WorkerDied):
    """A lost actor counts as a dead worker: its batch gets one more try, then is halved."""

    def __init__(self, error: BaseException) -> None:
        WorkerLost.__init__(self, f"the Ray actor died ({type(error).__name__})")
        self.exitcode = None


class StepActor:
    """The step loaded once in a Ray worker process; `run` is a worker process's batch call."""

    def __init__(self, build: tuple[str, dict[str, Any]], driver_path: list[str]) -> None:
        sys.path.extend(entry for entry in driver_path if entry not in sys.path and os.path.exists(entry))
        from pysynth.runtime.workers.child import _step

        self.build = build
        _step(build)  # load now: a step that cannot load fails the pool before any batch

    def run(self, rows: list[Row], retries: int) -> BatchResult:
        from pysynth.runtime.workers.child import run_in_worker

        return run_in_worker(self.build, rows, retries)

    def pid(self) -> int:
        return os.getpid()


def connect(address: str | None, step_name: str) -> Any:
    """The `ray` module, connected: to a running session if there is one, else to `address`."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"step '{step_name}': workers backend ray needs Ray: pip install 'pysynth[ray]'") from None
    if ray.is_initialized():
        return ray
    target = address or DEFAULT_ADDRESS
    if threading.current_thread() is not threading.main_thread():
        raise PipelineRunError(f"step '{step_name}': Ray can only be started from the main thread; call "
                               f"ray.init(address={target!r}) there before running the pipeline")
    # ray.init installs SIGTERM/SIGINT handlers that raise SystemExit; the run's own ones stop it
    # cleanly (exit 130, resumable), so they are put back.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        if target == LOCAL:
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=target, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        hint = " (start one with `ray start --head`, or use address: local)" if target == DEFAULT_ADDRESS else ""
        raise PipelineRunError(f"step '{step_name}': cannot reach the Ray cluster at {target}{hint}: "
                               f"{str(error).splitlines()[0] if str(error) else type(error).__name__}") from None
    finally:
        for number, handler in handlers.items():
            if handler is not None:
                signal.signal(number, handler)
    return ray


class RayActorPool(BisectingPool[Any]):
    """`size` actors of one step, made on the first batch, all killed by `close`."""

    def __init__(self, step_name: str, build: tuple[str, dict[str, Any]], *, size: int, address: str | None,
                 num_cpus: float | None, row_timeout_s: float | None) -> None:
        self.step_name, self.build, self.size, self.address = step_name, build, size, address
        self.num_cpus, self.row_timeout_s = num_cpus if num_cpus is not None else 1.0, row_timeout_s
        # Connected here, in the thread that runs the executor: ray.init from any other thread than
        # the main one cannot reach the cluster it starts (it waits 60 s, then exits the process).
        self._ray: Any = connect(address, step_name)
        self._idle: asyncio.Queue[Any | PipelineRunError] | None = None
        self._actors: list[Any] = []
        self._loading: set[asyncio.Task[None]] = set()
        self._closed = False

    async def run(self, rows: list[Row], retries: int) -> BatchResult:
        return await self._run_batch(rows, retries)

    def close(self) -> None:
        self._closed = True
        for task in self._loading:
            task.cancel()
        for actor in self._actors:
            self._kill(actor)
        self._actors.clear()

    async def _attempt(self, rows: list[Row], retries: int) -> tuple[list[BatchResult], WorkerLost | None]:
        ray = self._ray
        actor = await self._take()
        future = asyncio.wrap_future(actor.run.remote(rows, retries).future())
        try:
            result = await asyncio.wait_for(future, self._batch_timeout(rows))
        except TimeoutError:
            assert self.row_timeout_s is not None
            self._replace(actor)
            return [], RowTimedOut(self.row_timeout_s)
        except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as error:
            self._replace(actor)  # a step that cannot load fails in `_load`, before any batch
            return [], ActorDied(error)
        except ray.exceptions.RayTaskError as error:
            raise PipelineRunError(f"step '{self.step_name}': a Ray actor failed: {_last_line(error)}") from None
        except ray.exceptions.RayError as error:
            raise PipelineRunError(f"step '{self.step_name}': lost the Ray cluster ({type(error).__name__}); "
                                   "the committed batches are kept: fix it and run again with --resume") from None
        self._release(actor)
        return [result], None

    def _started_count(self) -> int:
        return len(self._actors)

    def _release(self, actor: Any) -> None:
        assert self._idle is not None
        self._idle.put_nowait(actor)

    def _replace(self, actor: Any) -> None:
        self._kill(actor)
        if actor in self._actors:
            self._actors.remove(actor)
        if not self._closed:
            self._start()

    def _start(self) -> None:
        """A new actor joins the idle queue once it has loaded the step: `row_timeout_s` counts from
        then, not from the seconds an actor takes to start and import the step."""
        remote = self._ray.remote(StepActor).options(num_cpus=self.num_cpus, max_restarts=0, max_task_retries=0)
        actor = remote.remote(self.build, list(sys.path))
        self._actors.append(actor)
        task = asyncio.create_task(self._load(actor))
        self._loading.add(task)
        task.add_done_callback(self._loading.discard)

    async def _load(self, actor: Any) -> None:
        assert self._idle is not None
        ray = self._ray
        try:
            await asyncio.wrap_future(actor.pid.remote().future())
        except ray.exceptions.RayError as error:
            self._kill(actor)
            if actor in self._actors:
                self._actors.remove(actor)
            reason = _last_line(error) if getattr(error, "actor_init_failed", False) else type(error).__name__
            self._idle.put_nowait(PipelineRunError(f"step '{self.step_name}': a Ray actor could not load the "
                                                   f"step: {reason}"))
            return
        self._release(actor)

    def _kill(self, actor: Any) -> None:
        try:
            self._ray.kill(actor, no_restart=True)
        except Exception:  # noqa: BLE001, S110 - an actor already gone, or a cluster already lost: nothing to stop
            pass


def _last_line(error: BaseException) -> str:
    """The exception message at the end of a Ray error's text (which carries the remote traceback)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1][:300] if lines else type(error).__name__
