"""`pysynth serve`: start SGLang servers (and optionally the SGLang router) on a GPU node.

One `python -m sglang.launch_server` process per replica (GPUs split into groups of `tp`, each
replica sees only its group through CUDA_VISIBLE_DEVICES), or one process with SGLang's own data
parallelism (`dp`). Each child's output is forwarded line by line with its name; the launcher waits
until every `/health` answers, writes the endpoints file pipelines read (`llm: {endpoints_file: ...}`)
and stops every child on Ctrl-C/SIGTERM or when one of them dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from pysynth.errors import ConfigError, LLMError
from pysynth.llm.local import LocalServerPlan
from pysynth.tables import write_text_atomically

HEALTH_POLL_S = 1.0


@dataclass(frozen=True)
class ServePlan:
    model: str
    gpus: tuple[str, ...]
    tp: int = 1
    dp: int | None = None  # SGLang's own data parallelism inside one server
    host: str = "127.0.0.1"
    port: int = 30000
    router: bool = False
    python: str = sys.executable
    extra_args: tuple[str, ...] = ()
    is_embedding: bool = False  # a reward/embedding model: SGLang serves /classify and /encode, not generation

    def urls(self) -> list[str]:
        """The API roots pipelines use once started: known before start, from the ports."""
        servers = self.commands()
        if self.router:
            return [f"http://{self.host}:{self.port + len(servers)}/v1"]
        return [f"http://{self.host}:{port}/v1" for _, _, _, port in servers]

    def commands(self) -> list[tuple[str, list[str], dict[str, str], int]]:
        """(name, argv, extra environment, port) of each server to start."""
        if not self.gpus or any(not gpu.strip().isdigit() for gpu in self.gpus):
            raise ConfigError(f"--gpus: expected GPU indices like 0,1,2,3, got {','.join(self.gpus)!r}")
        base = [self.python, "-m", "sglang.launch_server", "--model-path", self.model, "--host", self.host]
        if self.is_embedding and "--is-embedding" not in self.extra_args:
            base.append("--is-embedding")
        if self.dp is not None:
            if self.tp * self.dp != len(self.gpus):
                raise ConfigError(f"--tp {self.tp} x --dp {self.dp} must equal the {len(self.gpus)} GPUs given")
            argv = [*base, "--port", str(self.port), "--tp", str(self.tp), "--dp", str(self.dp), *self.extra_args]
            return [("server-0", argv, {"CUDA_VISIBLE_DEVICES": ",".join(self.gpus)}, self.port)]
        if len(self.gpus) % self.tp:
            raise ConfigError(f"--tp {self.tp} does not divide the {len(self.gpus)} GPUs given")
        plans = []
        for replica in range(len(self.gpus) // self.tp):
            group = self.gpus[replica * self.tp : (replica + 1) * self.tp]
            port = self.port + replica
            argv = [*base, "--port", str(port), "--tp", str(self.tp), *self.extra_args]
            plans.append((f"server-{replica}", argv, {"CUDA_VISIBLE_DEVICES": ",".join(group)}, port))
        return plans


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=30))


class Launcher:
    """Starts a plan's processes; `log` receives their output, each line prefixed with the child's name."""

    def __init__(self, plan: ServePlan | LocalServerPlan, *, log: object = sys.stderr) -> None:
        self.plan, self.log = plan, log
        self.children: list[_Child] = []

    def start(self, timeout_s: float) -> list[str]:
        """Starts the servers (and router), waits for health; returns the URLs pipelines should use.

        A local server without a port gets a free one here, when it starts (`self.plan` then has it)."""
        if isinstance(self.plan, LocalServerPlan):
            self.plan = self.plan.on_free_port()
        for name, argv, env, port in self.plan.commands():
            self._spawn(name, argv, env, f"http://{self.plan.host}:{port}")
        self._wait_healthy(self.children, timeout_s)
        if not self.plan.router:
            return self.plan.urls()
        assert isinstance(self.plan, ServePlan)
        router_port = self.plan.port + len(self.children)
        argv = [self.plan.python, "-m", "sglang_router.launch_router", "--host", self.plan.host,
                "--port", str(router_port), "--worker-urls", *(child.url for child in self.children)]
        router = self._spawn("router", argv, {}, f"http://{self.plan.host}:{router_port}")
        self._wait_healthy([router], timeout_s)
        return self.plan.urls()

    def wait(self) -> int:
        """Blocks until a child exits (returns its status) or the launcher is signalled (stops all)."""
        while True:
            for child in self.children:
                code = child.process.poll()
                if code is not None:
                    return code
            time.sleep(0.5)

    def stop(self, grace_s: float = 10.0) -> None:
        for child in self.children:
            if child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in self.children:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], url: str) -> _Child:
        # Own session: a Ctrl-C meant for pysynth must not reach the servers before `stop` does.
        # Parent-death signal: a pysynth killed with SIGKILL must not leave servers holding GPUs.
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env={**os.environ, **env}, start_new_session=True,
                                   preexec_fn=_terminate_with_parent)
        child = _Child(name, process, url)
        self.children.append(child)
        threading.Thread(target=self._forward, args=(child,), daemon=True).start()
        return child

    def _forward(self, child: _Child) -> None:
        assert child.process.stdout is not None
        for raw in child.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            child.tail.append(line)
            print(f"[{child.name}] {line}", file=self.log, flush=True)  # type: ignore[call-overload]

    def _wait_healthy(self, children: list[_Child], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        waiting = list(children)
        while waiting:
            for child in list(waiting):
                code = child.process.poll()
                if code is not None:
                    tail = "\n".join(child.tail)
                    raise LLMError(f"{child.name} exited with status {code} before it was healthy; "
                                   f"its last lines:\n{tail}")
                if _healthy(child.url):
                    waiting.remove(child)
            if waiting and time.monotonic() > deadline:
                names = ", ".join(child.name for child in waiting)
                raise LLMError(f"{names} not healthy after {timeout_s:.0f} s (GET /health)")
            if waiting:
                time.sleep(HEALTH_POLL_S)


def _terminate_with_parent() -> None:
    """In the child before exec: SIGTERM when the launching thread's process dies (Linux prctl)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def write_endpoints_file(path: Path, urls: list[str], model: str) -> None:
    lines = [f"# written by `pysynth serve` for {model}", "endpoints:", *(f"  - {url}" for url in urls)]
    write_text_atomically(path, "\n".join(lines) + "\n")
