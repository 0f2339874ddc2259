"""Explorers: a figure with a control per parameter.

In a live Jupyter kernel (a reader's laptop, Binder) an explorer is a set of ipywidgets sliders that redraw the
figure. When the book is built or the notebooks are tested, the environment variable ``LOSSBOOK_STATIC_EXPLORERS``
is set to ``1`` and the explorer instead draws the figure for every combination of control values and shows them as
one output that needs no kernel: in the website, HTML sliders (and a few lines of inline JavaScript) that swap
precomputed frames; in print, the figure at the default values.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt

STATIC_ENV = "LOSSBOOK_STATIC_EXPLORERS"
MAX_FRAMES = 60  # 60 frames at screen resolution weigh about 2.5 MB

_ids = itertools.count(1)

# Swaps the explorer's image when one of its sliders moves. Frames are keyed by the comma-joined slider positions.
_SCRIPT = """(function () {
  var root = document.getElementById(%(id)s), frames = %(frames)s;
  var inputs = root.querySelectorAll("input"), img = root.querySelector("img");
  function update() {
    var key = [];
    inputs.forEach(function (input) {
      var labels = JSON.parse(input.dataset.labels);
      input.nextElementSibling.textContent = labels[input.value];
      key.push(input.value);
    });
    img.src = frames[key.join(",")];
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
})();"""


def is_static() -> bool:
    """True when explorers must render statically (book build, notebook tests)."""
    return os.environ.get(STATIC_ENV, "") == "1"


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key(positions) -> str:
    """The key of a frame: the positions of the sliders, comma-joined (as the script builds it)."""
    return ",".join(map(str, positions))


def _png(draw: Callable[..., None], values: Mapping[str, object], figsize, dpi) -> str:
    """The figure ``draw`` makes for ``values``, as base64-encoded PNG."""
    fig = plt.figure(figsize=figsize)
    try:
        draw(fig, **values)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def static_bundle(
    draw: Callable[..., None],
    controls: Mapping[str, Sequence],
    start: Mapping[str, object],
    *,
    figsize: tuple[float, float] | None = None,
    alt: str | None = None,
) -> dict[str, str]:
    """The explorer as one display bundle that works without a kernel.

    Returns ``{"text/html": ..., "image/png": ..., "text/plain": ...}``: HTML range sliders over precomputed
    frames (one per combination of control values, as data URIs) for the website, the figure at ``start`` for
    print, and a short fixed text.

    Raises:
        ValueError: if the controls have more than ``MAX_FRAMES`` combinations.
    """
    names = list(controls)
    count = math.prod(len(values) for values in controls.values())
    if count > MAX_FRAMES:
        sizes = " × ".join(str(len(v)) for v in controls.values())
        raise ValueError(
            f"the controls have {sizes} = {count} combinations; a static explorer renders at most {MAX_FRAMES} "
            "frames: give the controls fewer values"
        )
    # The website's frames at screen resolution, like the notebooks' other figures; print gets savefig.dpi.
    frames = {}
    for positions in itertools.product(*(range(len(controls[n])) for n in names)):
        values = {n: controls[n][i] for n, i in zip(names, positions, strict=True)}
        frames[_key(positions)] = "data:image/png;base64," + _png(draw, values, figsize, "figure")
    root = f"lossbook-explorer-{next(_ids)}"
    positions = [list(controls[n]).index(start[n]) for n in names]
    alt = alt or f"Figure of the explorer over {', '.join(names)}"
    sliders = "".join(
        f'<label style="margin-right:1.5em">{html.escape(n)} <input type="range" min="0" max="{len(controls[n]) - 1}" '
        f'step="1" value="{i}" data-labels="{html.escape(json.dumps([_label(v) for v in controls[n]]))}"> '
        f"<output>{html.escape(_label(start[n]))}</output></label>"
        for n, i in zip(names, positions, strict=True)
    )
    script = _SCRIPT % {"id": json.dumps(root), "frames": json.dumps(frames)}
    page = (
        f'<div class="lossbook-explorer" id="{root}"><div>{sliders}</div>'
        f'<img src="{frames[_key(positions)]}" alt="{html.escape(alt)}">'
        f"<script>{script}</script></div>"
    )
    return {
        "text/html": page,
        "image/png": _png(draw, start, figsize, plt.rcParams["savefig.dpi"]),
        "text/plain": f"<explorer over {', '.join(names)}>",
    }


def explorer(
    draw: Callable[..., None],
    controls: Mapping[str, Sequence],
    *,
    defaults: Mapping[str, object] | None = None,
    figsize: tuple[float, float] | None = None,
    alt: str | None = None,
) -> None:
    """Show ``draw`` with one slider per control.

    In Jupyter the sliders are live ipywidgets. When ``LOSSBOOK_STATIC_EXPLORERS=1`` (the book build and the
    notebook tests) every combination of control values is drawn in advance (at most ``MAX_FRAMES``), so that the
    sliders of the website work without a kernel and print shows the figure at the defaults.

    Args:
        draw: ``draw(fig, **values)`` draws the figure for one setting of the controls on the empty figure ``fig``.
        controls: for each keyword of ``draw``, the values its slider steps through (a short, ordered list).
        defaults: the starting value of each control; the middle of its list if not given.
        figsize: the figure size in inches; matplotlib's default if not given.
        alt: the alternative text of the website's figure, for readers who cannot see it: what it shows, and what
            moving the sliders changes. A generic text naming the controls if not given.

    Raises:
        ValueError: if a default is not among its control's values, or (static) there are too many combinations.

    Example:
        >>> def draw(fig, t):
        ...     ax = fig.add_subplot()
        ...     ax.plot([0, 1], [0, t])
        >>> explorer(draw, {"t": [0.5, 1.0, 2.0]}, alt="A line whose slope is t.")  # doctest: +SKIP
    """
    if not controls:
        raise ValueError("controls must name at least one parameter")
    start = {name: values[len(values) // 2] for name, values in controls.items()}
    start.update(defaults or {})
    for name, value in start.items():
        if name not in controls or value not in controls[name]:
            raise ValueError(f"default {name}={value!r} is not one of the values of control {name!r}")

    from IPython.display import display

    if is_static():
        display(static_bundle(draw, controls, start, figsize=figsize, alt=alt), raw=True)
        return

    import ipywidgets as widgets

    def render(**values) -> None:
        fig = plt.figure(figsize=figsize)
        draw(fig, **values)
        plt.show()

    sliders = {
        name: widgets.SelectionSlider(
            options=[(_label(v), v) for v in values], value=start[name], description=name, continuous_update=False
        )
        for name, values in controls.items()
    }
    display(widgets.VBox([widgets.HBox(list(sliders.values())), widgets.interactive_output(render, sliders)]))
