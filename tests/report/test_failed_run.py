"""A run that failed still gets a report: what its manifest says, with the status first."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import DatasetCard

from pysynth.report import write_report


def test_a_failed_run_is_reported_with_its_status_and_error_at_the_top(failed_run: Path) -> None:
    report = write_report(failed_run)
    body = DatasetCard.load(report / "README.md").text
    title, status = [line for line in body.splitlines() if line.strip()][:2]
    assert title == "# report-failed"
    assert status.startswith("**Status: failed** (") and "global boom" in status
    assert "| evens | filter |" in body  # the steps that ran before the failure
    assert "This run exported no file." in body
    assert (report / "funnel.png").is_file()
    page = (report / "index.html").read_text()
    assert '<p class="status failed"><strong>Status: failed</strong>' in page
