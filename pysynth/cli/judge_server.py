"""`pysynth judge-server`: the sandboxed judge as a SandboxFusion-compatible HTTP service.

    pysynth judge-server                          # http://127.0.0.1:8080/run_code
    pysynth judge-server --port 8181 --token "$SECRET" --max-concurrency 32

Point a SandboxFusion client at `http://HOST:PORT/run_code` (verl:
`reward_model.sandbox_fusion.url`). See `pysynth.rewards.server` for the limits and
`pysynth.rewards.sandbox_fusion` for the protocol.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pysynth.cli.options import CONTEXT, PATH


def register(app: click.Group) -> None:
    app.add_command(judge_server_command)


@click.command("judge-server", context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Bind address; anything but loopback lets others run code here.")
@click.option("--port", type=int, default=8080, show_default=True,
              help="Port (SandboxFusion's is 8080); 0 picks a free one.")
@click.option("--token", envvar="PYSYNTH_JUDGE_TOKEN", show_envvar=True,
              help="Require `Authorization: Bearer TOKEN` (verl sends none).")
@click.option("--max-body", default="8M", show_default=True, help="Largest request body, e.g. 8M; larger ones get 413.")
@click.option("--max-concurrency", type=int, help="Programs judged at once; default: --workers.")
@click.option("--max-queue", type=int, default=1024, show_default=True,
              help="Requests that may wait beyond those; more get 503.")
@click.option("--max-run-timeout", type=float, default=60.0, show_default=True,
              help="Cap on a request's run_timeout, in seconds.")
@click.option("--memory-limit", default="1G", show_default=True,
              help="Memory of a run whose request sets none (memory_limit_MB -1).")
@click.option("--output-limit", default="16M", show_default=True, help="Output a run may write; all of it is returned.")
@click.option("--workers", type=int, help="Sandboxes; default: one per core.")
@click.option("--no-cgroups", is_flag=True, help="Limit memory and processes with rlimits only (no cgroups).")
@click.option("--python-packages", type=PATH, multiple=True,
              help="A directory of packages Python programs may import; repeatable.")
def judge_server_command(host: str, port: int, token: str | None, max_body: str, max_concurrency: int | None,
                         max_queue: int, max_run_timeout: float, memory_limit: str, output_limit: str,
                         workers: int | None, no_cgroups: bool, python_packages: tuple[Path, ...]) -> None:
    """Serve the judge over SandboxFusion's HTTP API (POST /run_code) until Ctrl-C."""
    import asyncio

    from pysynth.judge import JudgeConfig, parse_bytes
    from pysynth.rewards.server import ServerSettings, serve

    options: dict[str, Any] = {"memory_limit": memory_limit, "output_limit": output_limit,
                               "report_bytes": parse_bytes(output_limit), "use_cgroups": not no_cgroups,
                               "python_packages": tuple(str(path) for path in python_packages)}
    if workers is not None:
        options["workers"] = workers
    settings = ServerSettings.build(host=host, port=port, token=token, max_body=max_body,
                                    max_concurrency=max_concurrency, max_queue=max_queue,
                                    max_run_timeout=max_run_timeout, judge=JudgeConfig.build(**options))

    def ready(url: str) -> None:
        print(f"judge-server ready: POST {url}/run_code ({settings.judge.workers} sandboxes, "
              f"{settings.concurrency} at once); Ctrl-C stops it", file=sys.stderr, flush=True)

    asyncio.run(serve(settings, ready))
