"""`pysynth report OUT`: (re)write the report of the run in OUT (what every run writes when it ends)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from pysynth.cli.options import CONTEXT, PATH
from pysynth.cli.startup import starting


def register(app: click.Group) -> None:
    app.add_command(report_command)


@click.command("report", context_settings=CONTEXT)
@click.argument("output", metavar="OUT", type=PATH)
def report_command(output: Path) -> None:
    """Write OUT/report/: a Hugging Face dataset card (README.md), plots and a self-contained index.html.

    Works for a failed or interrupted run too (as far as its manifest goes); an error is one line."""
    with starting():  # the manifest model imports distilabel through pysynth.dag; plots import matplotlib
        from pysynth.report import write_report

    started = time.perf_counter()
    report = write_report(output)
    click.echo(f"report: {report / 'index.html'} and {report / 'README.md'} ({time.perf_counter() - started:.2f} s)")
