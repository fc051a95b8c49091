"""`report/index.html` in a real browser: headless Chromium draws the page, and the screenshot shows both
the page (not blank) and the plots (matplotlib's C0 blue, which the page's own style never uses).

The plot check is shown to fail on the same page with its images broken, so a page whose plots do not
load cannot pass it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from pysynth.report import write_report
from pysynth.report.figures import OUT_COLOUR

CHROMIUM = shutil.which("chromium")
# Pixels of the plots' C0 blue that a 1280x2400 screenshot of the demo report holds at least (measured:
# ~230,000, from the bars of its four plots); the same page with its images broken holds none.
MIN_PLOT_PIXELS = 50_000


def screenshot(page: Path, directory: Path) -> Image.Image:
    assert CHROMIUM is not None, "Debian's chromium is needed (scripts/lib/venv.sh installs it)"
    target = directory / f"{page.stem}.png"
    # --no-sandbox: the tests run as root, where Chromium refuses its sandbox.
    result = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             f"--user-data-dir={directory / 'profile'}", f"--screenshot={target}",
                             "--window-size=1280,2400", page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and target.is_file(), result.stderr[-2000:]
    return Image.open(target).convert("RGB")


def colour_counts(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(pixels, RGB) of each colour in the screenshot."""
    return image.getcolors(maxcolors=1 << 24) or []  # type: ignore[return-value]  # RGB: tuples of 3


def plot_pixels(image: Image.Image, tolerance: int = 10) -> int:
    """Pixels within `tolerance` (per channel) of the plots' C0 blue."""
    target = [int(OUT_COLOUR[i:i + 2], 16) for i in (1, 3, 5)]
    return sum(count for count, colour in colour_counts(image)
               if all(abs(channel - wanted) <= tolerance for channel, wanted in zip(colour, target, strict=True)))


def ink_pixels(image: Image.Image) -> int:
    """Pixels that are not (near) white: text, tables, plots."""
    return sum(count for count, colour in colour_counts(image) if min(colour) < 200)


def test_the_page_renders_with_its_plots_in_headless_chromium(demo_run: Path, tmp_path: Path) -> None:
    image = screenshot(write_report(demo_run) / "index.html", tmp_path)
    assert ink_pixels(image) > 20_000, "the screenshot is blank: the page did not render"
    assert plot_pixels(image) >= MIN_PLOT_PIXELS, f"only {plot_pixels(image)} plot pixels: the plots did not load"


def test_the_plot_check_fails_for_a_page_whose_images_are_broken(demo_run: Path, tmp_path: Path) -> None:
    page = (write_report(demo_run) / "index.html").read_text()
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,AAAA", page))
    image = screenshot(broken, tmp_path)
    assert ink_pixels(image) > 20_000  # the tables still render ...
    assert plot_pixels(image) < MIN_PLOT_PIXELS  # ... but the check sees that the plots did not


def test_the_page_is_self_contained(demo_run: Path) -> None:
    page = (write_report(demo_run) / "index.html").read_text()
    assert re.findall(r"""(?:src|href)=["'](?!data:)""", page) == []  # no file or URL to fetch
    assert "<script" not in page and "<link" not in page
    assert page.count('src="data:image/png;base64,') == 4  # funnel, difficulty, tokens, latency
