"""`pysynth report OUT`: (re)write the report of the run in OUT (what every run writes when it ends)."""

# Annotations evaluated at definition, not as strings: see the note in `pysynth.cli.root`.
import time
from pathlib import Path
from typing import Annotated

import typer

from pysynth.cli.startup import starting


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)


def report_command(
    output: Annotated[Path, typer.Argument(metavar="OUT", help="The output directory of a run (holds run.json).")],
) -> None:
    """Write OUT/report/: a Hugging Face dataset card (README.md), plots and a self-contained index.html.

    Works for a failed or interrupted run too (as far as its manifest goes); an error is one line."""
    with starting():  # the manifest model imports distilabel through pysynth.dag; plots import matplotlib
        from pysynth.report import write_report

    started = time.perf_counter()
    report = write_report(output)
    typer.echo(f"report: {report / 'index.html'} and {report / 'README.md'} ({time.perf_counter() - started:.2f} s)")
