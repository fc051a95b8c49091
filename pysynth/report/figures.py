"""A report plot: a matplotlib figure drawn off-screen into PNG bytes.

matplotlib is imported here, inside the functions, never at module level: `import pysynth` and
`pysynth --help` must not pay for it (tests/cli/test_startup.py). Figures are built with
`matplotlib.figure.Figure` on an Agg canvas, not through pyplot: no display is needed, no backend is
switched for the whole process (a user's notebook keeps its own), and no figure is left registered in
pyplot's global list when a run writes its report. dpi 100 keeps a report at the end of every run cheap.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

DPI = 100
# matplotlib's default colour cycle (C0..C9), named so that bars keep one meaning across plots.
OUT_COLOUR = "#1f77b4"  # C0: rows out, input tokens, every histogram
FAILED_COLOUR = "#d62728"  # C3
DROP_COLOURS = ("#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#7f7f7f")


@dataclass(frozen=True)
class Plot:
    file: str  # its name in report/, e.g. "funnel.png"
    title: str
    caption: str
    png: bytes


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def counts_axis(axis: Axis) -> None:
    """Ticks at whole numbers only (rows, tokens, concepts): 2.5 rows is not a count."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, integer=True))


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
