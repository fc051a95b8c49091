"""The `pysynth` command line: the root app and its data commands in `root`, one module per command group."""

from pysynth.cli.root import app, main

__all__ = ["app", "main"]
