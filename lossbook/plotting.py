"""The book's figure style: a colour-blind-safe palette that also survives black-and-white print."""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
# Paired with the colours so that lines stay distinguishable in greyscale.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2))]
_CYCLE_COLORS = ["blue", "orange", "green", "vermillion", "purple", "sky", "black", "yellow"]


def use_book_style() -> None:
    """Set matplotlib's defaults for the book: palette with line styles, size, grid, and PNG output in notebooks."""
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=[COLORS[c] for c in _CYCLE_COLORS]) + cycler(linestyle=LINESTYLES),
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 11,
            "lines.linewidth": 2.0,
            "image.cmap": "viridis",
        }
    )
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython there is no inline backend to configure
        return
    set_matplotlib_formats("png")
