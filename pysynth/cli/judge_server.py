"""`pysynth judge-server`: the sandboxed judge as a SandboxFusion-compatible HTTP service.

    pysynth judge-server                          # http://127.0.0.1:8080/run_code
    pysynth judge-server --port 8181 --token "$SECRET" --max-concurrency 32

Point a SandboxFusion client at `http://HOST:PORT/run_code` (verl:
`reward_model.sandbox_fusion.url`). See `pysynth.rewards.server` for the limits and
`pysynth.rewards.sandbox_fusion` for the protocol.
"""

# Annotations evaluated at definition, not as strings: see the note in `pysynth.cli.root`.
import sys
from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    app.command("judge-server")(judge_server_command)


def judge_server_command(
    host: Annotated[str, typer.Option(help="Bind address; anything but loopback lets others run code here.")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (SandboxFusion's is 8080); 0 picks a free one.")] = 8080,
    token: Annotated[str | None, typer.Option(
        envvar="PYSYNTH_JUDGE_TOKEN", help="Require `Authorization: Bearer TOKEN` (verl sends none).")] = None,
    max_body: Annotated[str, typer.Option(help="Largest request body, e.g. 8M; larger ones get 413.")] = "8M",
    max_concurrency: Annotated[int | None, typer.Option(help="Programs judged at once; default: --workers.")] = None,
    max_queue: Annotated[int, typer.Option(help="Requests that may wait beyond those; more get 503.")] = 1024,
    max_run_timeout: Annotated[float, typer.Option(help="Cap on a request's run_timeout, in seconds.")] = 60.0,
    memory_limit: Annotated[str, typer.Option(help="Memory of a run whose request sets none (memory_limit_MB -1).")
                            ] = "1G",
    output_limit: Annotated[str, typer.Option(help="Output a run may write; all of it is returned.")] = "16M",
    workers: Annotated[int | None, typer.Option(help="Sandboxes; default: one per core.")] = None,
    no_cgroups: Annotated[
        bool, typer.Option("--no-cgroups", help="Limit memory and processes with rlimits only (no cgroups).")
    ] = False,
    python_packages: Annotated[
        list[Path] | None,
        typer.Option("--python-packages", help="A directory of packages Python programs may import; repeatable."),
    ] = None,
) -> None:
    """Serve the judge over SandboxFusion's HTTP API (POST /run_code) until Ctrl-C."""
    import asyncio

    from pysynth.judge import JudgeConfig, parse_bytes
    from pysynth.rewards.server import ServerSettings, serve

    options: dict[str, Any] = {"memory_limit": memory_limit, "output_limit": output_limit,
                               "report_bytes": parse_bytes(output_limit), "use_cgroups": not no_cgroups,
                               "python_packages": tuple(str(path) for path in python_packages or ())}
    if workers is not None:
        options["workers"] = workers
    settings = ServerSettings.build(host=host, port=port, token=token, max_body=max_body,
                                    max_concurrency=max_concurrency, max_queue=max_queue,
                                    max_run_timeout=max_run_timeout, judge=JudgeConfig.build(**options))

    def ready(url: str) -> None:
        print(f"judge-server ready: POST {url}/run_code ({settings.judge.workers} sandboxes, "
              f"{settings.concurrency} at once); Ctrl-C stops it", file=sys.stderr, flush=True)

    asyncio.run(serve(settings, ready))
