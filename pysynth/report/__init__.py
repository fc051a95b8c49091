"""The run report: `OUT/report/` with a Hugging Face dataset card, plots and one offline HTML page.

Layout of `OUT/report/`:
    README.md      the dataset card: YAML header (configs, features, sizes, license, tags), then status,
                   rows per stage with drop reasons, models and tokens, how to load the data, the pipeline
    index.html     one self-contained page (plots inlined as data URIs, inline style): readable offline
    *.png          the plots the run has data for: funnel, difficulty signals, predicted vs calibrated,
                   concept coverage, tokens, latency

Written at the end of each run and by `pysynth report OUT`. matplotlib and huggingface_hub are imported
only while a report is written, never by `import pysynth.report`.
"""

from __future__ import annotations

from pysynth.report.write import write_report

__all__ = ["write_report"]
