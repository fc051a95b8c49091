"""`pysynth serve`: SGLang servers for a pipeline's `llm: {endpoints_file: ...}`."""

# Annotations evaluated at definition, not as strings: see the note in `pysynth.cli.root`.
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(serve_command)


def serve_command(
    context: typer.Context,
    model: Annotated[str, typer.Argument(help="Model path or hub id, as sglang.launch_server takes it.")],
    gpus: Annotated[str, typer.Option(help="GPU indices to use, e.g. 0,1,2,3.")] = "0",
    tp: Annotated[int, typer.Option(help="Tensor-parallel GPUs per server.")] = 1,
    dp: Annotated[Optional[int], typer.Option(help="One server with SGLang's own data parallelism instead.")] = None,
    host: Annotated[str, typer.Option(help="Bind address; 0.0.0.0 exposes the servers to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the first server; the others (and the router) follow.")] = 30000,
    router: Annotated[bool, typer.Option(help="Put the SGLang router in front and list only it.")] = False,
    endpoints_file: Annotated[Path, typer.Option(help="Where to write the endpoints for pipelines.")] = Path(
        "endpoints.yaml"),
    startup_timeout: Annotated[float, typer.Option(help="Seconds to wait for every /health.")] = 1800.0,
) -> None:
    """Start SGLang servers on this node; extra arguments go to every sglang.launch_server."""
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
    raise typer.Exit(status)
