"""Charts on a report page, and the same charts as files for reuse.

:func:`figure` draws a chart with one of :mod:`survey_analysis.plot`'s
functions, embeds it in the page (a PNG as a ``data:`` URI, so the page stays
one self-contained file) with alt text saying what it shows, and, when the
report run gives a folder, also writes it there as PNG (200 dpi) and SVG
under a stable, descriptive name (``support_by_direction.svg``) for the
Strategic Agenda document.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

from .html import esc  # noqa: E402

__all__ = ["figure", "FIGURE_DPI"]

#: Resolution of the PNG files written for reuse (and embedded in the pages).
FIGURE_DPI = 200
# Without a folder (a notebook opened by hand) the embedded chart is drawn lighter.
_SCREEN_DPI = 110

_STYLE = {"font.size": 9.5, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9.5,
          "svg.hashsalt": "survey-analysis", "figure.dpi": 100}


def figure(draw: Callable[[Any], Any], *, name: str, alt: str, caption: str | None = None,
           size: tuple[float, float] = (9.0, 4.2), figures_dir: str | Path | None = None) -> str:
    """Draw a chart and return the page's ``<figure>``.

    Parameters
    ----------
    draw : callable
        Called with a fresh Axes; draws the chart on it (e.g.
        ``lambda ax: plot_direction_support(table, ax=ax, ...)``).
    name : str
        Stable file name without extension (``support_by_direction``).
    alt : str
        What the chart shows, in words (the image's alt text).
    caption : str, optional
        Shown under the chart.
    size : (width, height) in inches
    figures_dir : path, optional
        Where to write ``<name>.png`` and ``<name>.svg``.
    """
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        try:
            draw(ax)
            png = io.BytesIO()
            dpi = FIGURE_DPI if figures_dir is not None else _SCREEN_DPI
            fig.savefig(png, format="png", dpi=dpi, metadata={"Software": None})
            if figures_dir is not None:
                folder = Path(figures_dir)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{name}.png").write_bytes(png.getvalue())
                fig.savefig(folder / f"{name}.svg", format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    data = base64.b64encode(png.getvalue()).decode("ascii")
    width = int(round(size[0] * 96))
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (f'<figure class="chart" id="fig-{esc(name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(alt)}" width="{width}" data-file="{esc(name)}">{cap}</figure>')
