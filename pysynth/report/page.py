"""`report/index.html`: one self-contained page with the plots and the tables, readable offline.

The plots are embedded as `data:image/png;base64` URIs and the style is inline, so the page needs no
other file, no network and no JavaScript: it can be mailed, attached to a ticket or opened from a
copied run directory. The colours of the page avoid matplotlib's C0 blue, which the browser test counts
to tell that the plots were drawn (tests/report/test_page.py).
"""

from __future__ import annotations

import base64
import html

from pysynth.report.card import status_line
from pysynth.report.figures import Plot
from pysynth.report.run_facts import RunFacts
from pysynth.report.run_tables import Table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2rem; } .status { padding: 0.6rem; background: #f4f4f4; border-left: 6px solid #888; }
.status.failed, .status.interrupted { border-left-color: #d62728; background: #fdeeee; }
table { border-collapse: collapse; margin: 0.6rem 0 1.6rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eee; } figure { margin: 0 0 2rem; } img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9rem; } pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; }
"""


def report_page(facts: RunFacts, tables: list[Table], plots: list[Plot]) -> str:
    manifest = facts.manifest
    parts = [f"<h1>{html.escape(manifest.pipeline)}</h1>",
             f'<p class="status {manifest.status.value}">{_inline_markdown(status_line(facts))}</p>']
    parts += [f"<p><strong>Export {html.escape(step)} is missing:</strong> {html.escape(why)}</p>"
              for step, why in facts.unreadable_exports.items()]
    parts += [_figure(plot) for plot in plots]
    parts += [f"<h2>{html.escape(table.title)}</h2>{table.html()}" for table in tables]
    spec_file = html.escape(manifest.spec_file)
    if facts.spec_text is not None:
        parts.append(f"<h2>Pipeline</h2><p>{spec_file}</p><pre>{html.escape(facts.spec_text)}</pre>")
    else:
        parts.append(f"<h2>Pipeline</h2><p>The pipeline file {spec_file} is gone since the run.</p>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(manifest.pipeline)}: '
            f"run report</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.png).decode("ascii")
    return (f'<figure><h2>{html.escape(plot.title)}</h2><img alt="{html.escape(plot.title)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(plot.caption)}</figcaption></figure>')


def _inline_markdown(text: str) -> str:
    """The status line is written for the card (Markdown): `**bold**` and `code` become tags here."""
    escaped = html.escape(text)
    for marker, tag in (("**", "strong"), ("`", "code")):
        pieces = escaped.split(marker)
        escaped = "".join(piece if index % 2 == 0 else f"<{tag}>{piece}</{tag}>" for index, piece in enumerate(pieces))
    return escaped
