"""`pysynth serve`: SGLang servers for a pipeline's `llm: {endpoints_file: ...}`."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from pysynth.cli.options import CONTEXT, PATH


def register(app: click.Group) -> None:
    app.add_command(serve_command)


@click.command("serve", context_settings={**CONTEXT, "allow_extra_args": True, "ignore_unknown_options": True})
@click.argument("model")
@click.option("--gpus", default="0", show_default=True, help="GPU indices to use, e.g. 0,1,2,3.")
@click.option("--tp", type=int, default=1, show_default=True, help="Tensor-parallel GPUs per server.")
@click.option("--dp", type=int, help="One server with SGLang's own data parallelism instead.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Bind address; 0.0.0.0 exposes the servers to the network.")
@click.option("--port", type=int, default=30000, show_default=True,
              help="Port of the first server; the others (and the router) follow.")
@click.option("--router/--no-router", default=False, help="Put the SGLang router in front and list only it.")
@click.option("--endpoints-file", type=PATH, default=Path("endpoints.yaml"), show_default=True,
              help="Where to write the endpoints for pipelines.")
@click.option("--startup-timeout", type=float, default=1800.0, show_default=True,
              help="Seconds to wait for every /health.")
@click.pass_context
def serve_command(context: click.Context, model: str, gpus: str, tp: int, dp: int | None, host: str, port: int,
                  router: bool, endpoints_file: Path, startup_timeout: float) -> None:
    """Start SGLang servers on this node for MODEL (a path or hub id, as sglang.launch_server takes it);
    extra arguments go to every sglang.launch_server."""
    from pysynth.llm.launcher import Launcher, ServePlan, write_endpoints_file

    plan = ServePlan(model=model, gpus=tuple(gpus.split(",")), tp=tp, dp=dp, host=host, port=port, router=router,
                     extra_args=tuple(context.args))
    launcher = Launcher(plan)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        urls = launcher.start(startup_timeout)
        write_endpoints_file(endpoints_file, urls, model)
        print(f"ready: {', '.join(urls)}; endpoints written to {endpoints_file} "
              "(use `llm: {endpoints_file: ...}` in a pipeline); Ctrl-C stops the servers", file=sys.stderr, flush=True)
        status = launcher.wait()
        print(f"a server exited with status {status}; stopping the others", file=sys.stderr)
        status = status or 1
    except KeyboardInterrupt:
        print("stopping the servers", file=sys.stderr)
    finally:
        launcher.stop()
    context.exit(status)
