"""`pysynth serve` against stand-ins of sglang.launch_server and the SGLang router (real HTTP, real processes)."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pysynth.llm.endpoints import load_endpoints_file
from pysynth.llm.launcher import _healthy

ROOT = Path(__file__).resolve().parents[2]
FAKE_SGLANG = ROOT / "tests" / "support" / "fake_sglang"


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for _ in range(100):
        base = random.randint(20000, 60000)
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free port run")


def start_serve(tmp_path: Path, *arguments: str, fail: bool = False,
                like_sglang: bool = False) -> tuple[subprocess.Popen[bytes], Path]:
    env = {**os.environ, "PYTHONPATH": f"{FAKE_SGLANG}:{ROOT}", "FAKE_SGLANG_RECORD": str(tmp_path)}
    if like_sglang:
        env["FAKE_SGLANG_LIKE_SGLANG"] = "1"
    if fail:
        env["FAKE_SGLANG_FAIL"] = "1"
    endpoints = tmp_path / "endpoints.yaml"
    command = [sys.executable, "-m", "pysynth.cli", "serve", "test-model", "--endpoints-file", str(endpoints),
               "--startup-timeout", "60", *arguments]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE), endpoints


def wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "no endpoints file within 60 s"
        time.sleep(0.1)


def recorded(tmp_path: Path, kind: str) -> list[dict[str, object]]:
    return [json.loads(path.read_text()) for path in sorted(tmp_path.glob(f"{kind}-*.json"))]


def test_one_server_per_tp_group_then_sigterm_stops_them_all(tmp_path: Path) -> None:
    port = free_port_run(3)
    process, endpoints = start_serve(tmp_path, "--gpus", "0,1,2,3", "--tp", "2", "--port", str(port),
                                     "--mem-fraction-static", "0.8")
    wait_for(endpoints, process)
    urls = load_endpoints_file(endpoints)
    assert urls == [f"http://127.0.0.1:{port}/v1", f"http://127.0.0.1:{port + 1}/v1"]
    servers = recorded(tmp_path, "server")
    assert sorted(server["cuda"] for server in servers) == ["0,1", "2,3"]  # type: ignore[type-var]
    assert all(server["extra"] == ["--mem-fraction-static", "0.8"] for server in servers)
    assert all("--tp" in server["argv"] and "2" in server["argv"] for server in servers)  # type: ignore[operator]
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    for url in urls:
        assert not _healthy(url.removesuffix("/v1")), f"{url} still answers after pysynth serve stopped"


def test_servers_stop_when_pysynth_is_killed_outright(tmp_path: Path) -> None:
    """SIGKILL gives pysynth no chance to stop its children: the kernel's parent-death signal must."""
    port = free_port_run(2)
    process, endpoints = start_serve(tmp_path, "--gpus", "0,1", "--port", str(port), like_sglang=True)
    wait_for(endpoints, process)
    servers = [int(server["pid"]) for server in recorded(tmp_path, "server")]  # type: ignore[call-overload]
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while any(_healthy(f"http://127.0.0.1:{p}") for p in (port, port + 1)):
        if time.monotonic() > deadline:
            for pid in servers:  # clean up before failing
                os.kill(pid, signal.SIGKILL)
            pytest.fail("servers outlived a SIGKILLed pysynth serve")
        time.sleep(0.2)


def test_router_mode_lists_only_the_router(tmp_path: Path) -> None:
    port = free_port_run(3)
    process, endpoints = start_serve(tmp_path, "--gpus", "0,1", "--port", str(port), "--router")
    wait_for(endpoints, process)
    assert load_endpoints_file(endpoints) == [f"http://127.0.0.1:{port + 2}/v1"]
    (router,) = recorded(tmp_path, "router")
    assert router["worker_urls"] == [f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"]
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0


def test_a_server_that_dies_while_starting_is_reported_with_its_last_lines(tmp_path: Path) -> None:
    process, endpoints = start_serve(tmp_path, "--gpus", "0", "--port", str(free_port_run(1)), fail=True)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and not endpoints.exists()
    assert "server-0 exited with status 3" in stderr.decode() and "CUDA out of memory" in stderr.decode()


@pytest.mark.parametrize(("gpus", "options", "message"), [
    ("0,1,2", ["--tp", "2"], "--tp 2 does not divide the 3 GPUs"),
    ("0,1", ["--tp", "2", "--dp", "2"], "--tp 2 x --dp 2 must equal the 2 GPUs"),
    ("a,b", [], "expected GPU indices"),
])
def test_bad_gpu_layouts_are_refused(tmp_path: Path, gpus: str, options: list[str], message: str) -> None:
    process, _ = start_serve(tmp_path, "--gpus", gpus, *options)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and message in stderr.decode()


def test_a_reward_model_server_is_started_with_is_embedding_once() -> None:
    from pysynth.llm.launcher import ServePlan

    plan = ServePlan(model="rm", gpus=("0", "1"), is_embedding=True)
    assert [argv.count("--is-embedding") for _, argv, _, _ in plan.commands()] == [1, 1]
    given_twice = ServePlan(model="rm", gpus=("0",), dp=None, is_embedding=True, extra_args=("--is-embedding",))
    assert [argv.count("--is-embedding") for _, argv, _, _ in given_twice.commands()] == [1]
    assert all("--is-embedding" not in argv for _, argv, _, _ in ServePlan(model="m", gpus=("0",)).commands())


def test_pysynth_serve_passes_is_embedding_to_the_server(tmp_path: Path) -> None:
    port = free_port_run(1)
    process, endpoints = start_serve(tmp_path, "--port", str(port), "--is-embedding")
    wait_for(endpoints, process)
    assert [server["extra"] for server in recorded(tmp_path, "server")] == [["--is-embedding"]]
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
